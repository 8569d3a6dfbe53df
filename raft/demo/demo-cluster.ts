import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reserveFreePorts } from '../../common/free-port.js';

/**
 * Starts and controls demo Raft members as child processes on loopback (launcher, multi-
 * process test, benchmark). Each member's stderr goes to <rootDir>/<id>.log.
 */
export interface DemoClusterOptions {
  readonly rootDir: string;
  readonly ids?: readonly string[];
  /** Extra flags for every member (e.g. --snapshot-threshold 500). */
  readonly memberArgs?: readonly string[];
  readonly clusterToken?: string;
  /** How long a member may take to print its READY line. */
  readonly startTimeoutMs?: number;
}

export interface MemberStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotsTaken: number;
  readonly snapshotsRestored: number;
  readonly fsyncs: number;
  readonly entriesPersisted: number;
}

interface Member {
  readonly id: string;
  readonly grpcAddress: string;
  process: ChildProcess | null;
  httpPort: number;
}

const mainPath = fileURLToPath(new URL('./demo-node-main.ts', import.meta.url));
/** Children run from the repository root so `--import tsx` resolves whatever the caller's cwd. */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const READY_PREFIX = 'RAFT_DEMO_READY ';
const httpTimeoutMsDefault = 15_000;


export class DemoCluster {
  private readonly members = new Map<string, Member>();

  private constructor(private readonly options: DemoClusterOptions) {}

  static async create(options: DemoClusterOptions): Promise<DemoCluster> {
    const ids = options.ids ?? ['n1', 'n2', 'n3'];
    const ports = await reserveFreePorts(ids.length);
    const cluster = new DemoCluster(options);
    ids.forEach((id, i) => cluster.members.set(id, { id, grpcAddress: `127.0.0.1:${ports[i]}`, process: null, httpPort: 0 }));
    await mkdir(options.rootDir, { recursive: true });
    return cluster;
  }

  get ids(): string[] {
    return [...this.members.keys()];
  }

  /** Base URL of member `id`'s HTTP control surface (valid while it runs). */
  httpUrl(id: string): string {
    return `http://127.0.0.1:${this.member(id).httpPort}`;
  }

  isRunning(id: string): boolean {
    return this.member(id).process !== null;
  }

  pid(id: string): number | null {
    return this.member(id).process?.pid ?? null;
  }

  /** Arguments after the node binary that start member `id`. */
  argv(id: string): string[] {
    return this.memberArgv(this.member(id));
  }

  /** The command line used to start `id` (printed by the benchmark). */
  commandLine(id: string): string {
    return [process.execPath, ...this.argv(id)].join(' ');
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  /** Spawn member `id` and wait for its READY line. */
  async start(id: string): Promise<void> {
    const member = this.member(id);
    if (member.process !== null) throw new Error(`member ${id} is already running`);
    const log = createWriteStream(join(this.options.rootDir, `${id}.log`), { flags: 'a' });
    const child = spawn(process.execPath, this.memberArgv(member), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    member.process = child;
    child.stderr?.pipe(log);
    child.once('exit', () => {
      if (member.process === child) member.process = null;
    });
    member.httpPort = await readyPort(child, id, this.options.startTimeoutMs ?? 30_000);
  }

  /** kill -9 (or another signal) and wait for the exit. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.member(id).process;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** SIGTERM every member, SIGKILL whatever is left after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all(
      this.ids.map(async (id) => {
        const timer = setTimeout(() => this.member(id).process?.kill('SIGKILL'), graceMs);
        await this.kill(id, 'SIGTERM');
        clearTimeout(timer);
      }),
    );
  }

  /** Synchronous last resort for exit handlers: SIGKILL every child by PID. */
  killAllNow(): void {
    for (const member of this.members.values()) member.process?.kill('SIGKILL');
  }

  async request<T>(id: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = httpTimeoutMsDefault): Promise<{ status: number; body: T }> {
    const member = this.member(id);
    if (member.process === null) throw new Error(`member ${id} is not running`);
    const response = await fetch(`http://127.0.0.1:${member.httpPort}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async status(id: string): Promise<MemberStatus> {
    const { status, body } = await this.request<MemberStatus>(id, 'GET', '/status');
    if (status !== 200) throw new Error(`status of ${id} answered ${status}`);
    return body;
  }

  /** Wait until the running members agree on one leader; returns its id. */
  async waitForLeader(timeoutMs: number, exclude: readonly string[] = []): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const running = this.ids.filter((id) => this.member(id).process !== null && !exclude.includes(id));
      const statuses = await Promise.all(running.map((id) => this.status(id).catch(() => null)));
      const leaders = statuses.filter((s): s is MemberStatus => s?.role === 'leader');
      const leaderId = leaders[0]?.id;
      if (leaders.length === 1 && leaderId !== undefined && statuses.every((s) => s?.leader === leaderId)) return leaderId;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no agreed leader within ${timeoutMs} ms`);
  }

  private memberArgv(member: Member): string[] {
    const peers = [...this.members.values()].map((m) => `${m.id}=${m.grpcAddress}`).join(',');
    return [
      '--import', 'tsx', mainPath,
      '--id', member.id,
      '--peers', peers,
      '--data-dir', join(this.options.rootDir, member.id),
      '--cluster-token', this.options.clusterToken ?? 'raft-demo-token',
      ...(this.options.memberArgs ?? []),
    ];
  }

  private member(id: string): Member {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`unknown member ${id}`);
    return member;
  }
}

function readyPort(child: ChildProcess, id: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`member ${id} printed no READY line within ${timeoutMs} ms`)), timeoutMs);
    lines.on('line', (line) => {
      if (!line.startsWith(READY_PREFIX)) return;
      clearTimeout(timer);
      resolve((JSON.parse(line.slice(READY_PREFIX.length)) as { httpPort: number }).httpPort);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`member ${id} exited (code ${code}, signal ${signal}) before it was ready; see its log`));
    });
  });
}
