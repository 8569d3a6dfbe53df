import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reserveFreePort } from '../../raft/index.js';

/**
 * The one way Bazaar starts a private redis-server: the launcher (`npm start`, supervised),
 * the slow tests and the benchmarks all use these arguments. Loopback only, a generated
 * password (`requirepass` in a 0600 config file, never on the command line where `ps` shows
 * it), no persistence: Redis is a cache, and a restart must never serve entries older than
 * the Raft state.
 */
export const REDIS_SERVER_COMMAND = 'redis-server';
export const REDIS_PASSWORD_BYTES = 24;
export const REDIS_START_TIMEOUT_MS = 10_000;
export const REDIS_CONFIG_FILE = 'redis.conf';
const PING_TIMEOUT_MS = 500;
const START_POLL_MS = 50;
const STOP_WAIT_MS = 5_000;
const LOOPBACK = '127.0.0.1';

export function newRedisPassword(): string {
  return randomBytes(REDIS_PASSWORD_BYTES).toString('hex');
}

/** `redis://:<password>@host:port` (the form ioredis and redis-cli -u read). */
export function redisUrl(host: string, port: number, password: string | null): string {
  return password === null ? `redis://${host}:${port}` : `redis://:${encodeURIComponent(password)}@${host}:${port}`;
}

/** The URL with its password replaced by `***`, for logs and tables. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** Write `<dir>/redis.conf` (mode 0600) holding the password; returns its path. */
export async function writeRedisConfig(dir: string, password: string | null): Promise<string> {
  const path = join(dir, REDIS_CONFIG_FILE);
  const lines = ['# written by Bazaar: a private cache server', ...(password === null ? [] : [`requirepass ${password}`])];
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

/** Command-line arguments after the config file: port, loopback bind, dir, no persistence. */
export function redisServerArgs(configFile: string, port: number, dir: string): string[] {
  return [configFile, '--port', String(port), '--bind', LOOPBACK, '--dir', dir, '--save', '', '--appendonly', 'no'];
}

function resp(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/** True when the server at host:port accepts the password (if any) and answers PING. */
export function redisAnswers(host: string, port: number, password: string | null): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PING_TIMEOUT_MS, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (data: Buffer) => {
      received += data.toString();
      if (received.includes('+PONG')) done(true);
      else if (received.includes('-')) done(false);
    });
    socket.connect(port, host, () => socket.write((password === null ? '' : resp('AUTH', password)) + resp('PING')));
  });
}

/** The message when redis-server is missing: names the install command. */
export const REDIS_MISSING_MESSAGE = 'redis-server not found on PATH (Debian/Ubuntu: apt-get install -y redis-server)';

/**
 * A redis-server owned by the caller (tests, benchmarks): a free loopback port, a temp dir,
 * a fresh password. `stop()` kills it by pid; `start()` again reuses the port and password.
 */
export class RedisServer {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly password: string,
    private readonly dir: string,
    /** `<dir>/redis.conf`, mode 0600, holding the password. */
    readonly configFile: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'bazaar-redis-'));
    const password = newRedisPassword();
    const server = new RedisServer(await reserveFreePort(), password, dir, await writeRedisConfig(dir, password));
    try {
      await server.start();
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  get url(): string {
    return redisUrl(LOOPBACK, this.port, this.password);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child !== null) throw new Error('redis-server already running');
    const child = spawn(REDIS_SERVER_COMMAND, redisServerArgs(this.configFile, this.port, this.dir), { stdio: 'ignore' });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    this.child = child;
    const deadline = Date.now() + REDIS_START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), START_POLL_MS))]);
      if (failed !== null) {
        this.child = null;
        throw new Error((failed as NodeJS.ErrnoException).code === 'ENOENT' ? REDIS_MISSING_MESSAGE : `redis-server: ${failed.message}`);
      }
      if (await redisAnswers(LOOPBACK, this.port, this.password)) return;
    }
    await this.stop();
    throw new Error(`redis-server did not answer on port ${this.port} within ${REDIS_START_TIMEOUT_MS} ms`);
  }

  /** SIGKILL by pid (a crash, as the cache tests want); resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_WAIT_MS))]);
  }

  /** Stop and delete its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
