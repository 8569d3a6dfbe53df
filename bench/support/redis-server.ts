import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reserveFreePort } from '../../raft/index.js';
import { stopChild, waitForLine } from './child-process.js';

export const REDIS_START_TIMEOUT_MS = 10_000;

export interface RedisProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Start a throw-away redis-server on a free loopback port, no persistence, data dir in a temp dir. */
export async function startRedis(): Promise<RedisProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-bench-redis-'));
  const port = await reserveFreePort();
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForLine(child, `redis-server on port ${port}`, REDIS_START_TIMEOUT_MS, (line) =>
      line.includes('Ready to accept connections') ? true : undefined,
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const msg = (err as Error).message;
    if (msg.includes('ENOENT')) throw new Error('redis-server not found on PATH (Debian: apt-get install redis-server)');
    throw err;
  }
  child.stdout?.resume();
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server: no pid');
  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
