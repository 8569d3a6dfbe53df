/**
 * Test harness: N real Bazaar node processes (`node --import tsx src/node/node-main.ts`) on
 * loopback and free ports, sharing a cluster token, each with its own data dir and log file
 * under one temp dir. Kill -9 / SIGTERM / restart a node by id, wait for a leader through
 * GET /cluster, and kill every process by PID in `close()` (call it from afterAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reserveFreePort } from '../../../raft/index.js';
import { startExchangeProcess, type ChildHandle } from '../../prices/testing/local-processes.js';
import { NODE_V8_FLAGS } from '../node-v8-flags.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = 'src/node/node-main.ts';

/** Bounds of the harness itself. */
export const HARNESS_LIMITS = {
  nodesMax: 7,
  readyTimeoutMs: 60_000,
  exitTimeoutMs: 15_000,
  leaderTimeoutMs: 30_000,
  pollMs: 50,
  probeTimeoutMs: 1_000,
  /** A one-off process (e.g. a second start on a used data dir) must exit within this. */
  oneOffTimeoutMs: 60_000,
} as const;

export interface NodeClusterOptions {
  /** Number of members (1 or >= 3). */
  readonly size: number;
  readonly redisUrl?: string | null;
  /** Symbols written to the cluster's symbols file (order kept). */
  readonly symbols: readonly string[];
  readonly tickMs?: number;
  readonly logLevel?: string;
  /** Extra environment for every node. */
  readonly env?: Readonly<Record<string, string>>;
  /** Exchanges the nodes read prices from; unset: the harness starts one mock exchange process. */
  readonly exchangeUrls?: readonly string[];
}

export interface ClusterView {
  readonly node_id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commit_index: number;
  readonly applied_index: number;
}

export interface RoleChange {
  readonly timeMs: number;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Member {
  readonly id: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly dataDir: string;
  readonly logPath: string;
  child: ChildProcess | null;
  exited: Promise<ExitInfo> | null;
  /** Environment of this node over the cluster's (a joining node's PEERS and RAFT_JOIN). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Every child of every cluster in this process: killed on exit if a test runner dies before afterAll. */
const LIVE_CHILDREN = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of LIVE_CHILDREN) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

export class NodeCluster {
  private readonly members = new Map<string, Member>();
  /** Every pid ever started, for close(). */
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly dir: string,
    private readonly env: Record<string, string>,
    private readonly exchange: ChildHandle | null,
  ) {}

  static async start(options: NodeClusterOptions): Promise<NodeCluster> {
    if (!Number.isInteger(options.size) || options.size < 1 || options.size === 2 || options.size > HARNESS_LIMITS.nodesMax) {
      throw new Error(`size must be 1 or 3..${HARNESS_LIMITS.nodesMax}, got ${options.size}`);
    }
    if (options.symbols.length === 0) throw new Error('symbols must not be empty');
    const dir = await mkdtemp(join(tmpdir(), 'bazaar-nodes-'));
    const symbolsFile = join(dir, 'symbols.csv');
    await writeFile(symbolsFile, ['symbol', ...options.symbols].join('\n') + '\n');
    const ids = Array.from({ length: options.size }, (_, i) => `n${i + 1}`);
    const ports = new Map<string, { http: number; grpc: number }>();
    for (const id of ids) ports.set(id, { http: await reserveFreePort(), grpc: await reserveFreePort() });
    const portOf = (id: string): { http: number; grpc: number } => {
      const p = ports.get(id);
      if (p === undefined) throw new Error(`no ports for ${id}`);
      return p;
    };
    let exchange: ChildHandle | null = null;
    if (options.exchangeUrls === undefined) {
      try {
        exchange = await startExchangeProcess({ id: 'ex1', symbolsFile, seed: 7 });
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
    const exchangeUrls = options.exchangeUrls ?? [exchange?.url ?? ''];
    const env: Record<string, string> = {
      PEERS: ids.map((id) => `${id}=127.0.0.1:${portOf(id).grpc}`).join(','),
      PEER_HTTP: ids.map((id) => `${id}=http://127.0.0.1:${portOf(id).http}`).join(','),
      CLUSTER_TOKEN: `test-token-${process.pid}-${Date.now()}`,
      CLUSTER_ID: 'bazaar-test',
      SYMBOLS_FILE: symbolsFile,
      EXCHANGE_URLS: exchangeUrls.join(','),
      LOG_LEVEL: options.logLevel ?? 'info',
      RAFT_TICK_MS: String(options.tickMs ?? 50),
      REDIS_URL: options.redisUrl ?? '',
      DYNAMODB_ENDPOINT: '',
      ...options.env,
    };
    const cluster = new NodeCluster(dir, env, exchange);
    for (const id of ids) {
      const p = portOf(id);
      cluster.members.set(id, {
        id,
        httpPort: p.http,
        grpcPort: p.grpc,
        dataDir: join(dir, id, 'data'),
        logPath: join(dir, `${id}.log`),
        child: null,
        exited: null,
      });
    }
    try {
      for (const id of ids) cluster.spawnMember(cluster.member(id));
      await Promise.all(ids.map((id) => cluster.waitReady(id)));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get ids(): string[] {
    return [...this.members.keys()];
  }

  /** The cluster token (admin routes). */
  get token(): string {
    return this.env['CLUSTER_TOKEN'] ?? '';
  }

  /** Raft gRPC address of a node. */
  grpcAddress(id: string): string {
    return `127.0.0.1:${this.member(id).grpcPort}`;
  }

  /** Delete a stopped node's data dir (a dead disk). */
  async wipe(id: string): Promise<void> {
    if (this.isRunning(id)) throw new Error(`${id} is still running`);
    await rm(this.member(id).dataDir, { recursive: true, force: true });
  }

  /**
   * Start a new node `id` with an empty data dir that joins the running cluster as a learner
   * (RAFT_JOIN; PEERS: `voters` and itself). The leader must add it (POST /cluster/members).
   */
  async startJoiner(id: string, voters: readonly string[]): Promise<void> {
    if (this.members.has(id)) throw new Error(`${id} exists`);
    if (this.members.size >= HARNESS_LIMITS.nodesMax) throw new Error(`at most ${HARNESS_LIMITS.nodesMax} nodes`);
    const httpPort = await reserveFreePort();
    const grpcPort = await reserveFreePort();
    const peers = [...voters.map((v) => `${v}=${this.grpcAddress(v)}`), `${id}=127.0.0.1:${grpcPort}`].join(',');
    const m: Member = {
      id, httpPort, grpcPort, dataDir: join(this.dir, id, 'data'), logPath: join(this.dir, `${id}.log`), child: null, exited: null,
      env: { PEERS: peers, PEER_HTTP: '', RAFT_JOIN: 'true' },
    };
    this.members.set(id, m);
    this.spawnMember(m);
    await this.waitReady(id);
  }

  url(id: string): string {
    return `http://127.0.0.1:${this.member(id).httpPort}`;
  }

  logPath(id: string): string {
    return this.member(id).logPath;
  }

  pid(id: string): number | null {
    return this.member(id).child?.pid ?? null;
  }

  isRunning(id: string): boolean {
    const child = this.member(id).child;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  running(): string[] {
    return this.ids.filter((id) => this.isRunning(id));
  }

  /** Send `signal` to the node's PID and wait for it to exit. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    const m = this.member(id);
    if (m.child === null || m.exited === null) throw new Error(`${id} was never started`);
    if (this.isRunning(id) && m.child.pid !== undefined) process.kill(m.child.pid, signal);
    return withTimeout(m.exited, HARNESS_LIMITS.exitTimeoutMs, `${id} did not exit after ${signal}`);
  }

  /** Start a stopped node again with the same ports and data dir; resolves once /health answers. */
  async restart(id: string): Promise<void> {
    if (this.isRunning(id)) throw new Error(`${id} is still running`);
    this.spawnMember(this.member(id));
    await this.waitReady(id);
  }

  /**
   * Start a second process with `id`'s configuration (same data dir) but fresh ports; resolves
   * with its exit status and output once it exits (it is killed if it outlives the bound).
   */
  async runDuplicate(id: string): Promise<ExitInfo & { output: string }> {
    const m = this.member(id);
    const env = { ...this.nodeEnv(m), HTTP_PORT: String(await reserveFreePort()), GRPC_PORT: String(await reserveFreePort()) };
    const child = spawn(process.execPath, [...NODE_V8_FLAGS, '--import', 'tsx', MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.track(child);
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const timer = setTimeout(() => child.kill('SIGKILL'), HARNESS_LIMITS.oneOffTimeoutMs);
    const info = await exited;
    clearTimeout(timer);
    return { ...info, output };
  }

  /** GET /cluster of one node (null when it does not answer in time). */
  async clusterView(id: string): Promise<ClusterView | null> {
    try {
      const res = await fetch(`${this.url(id)}/cluster`, { signal: AbortSignal.timeout(HARNESS_LIMITS.probeTimeoutMs) });
      if (res.status !== 200) return null;
      return (await res.json()) as ClusterView;
    } catch {
      return null;
    }
  }

  /**
   * Wait until every running node (or those in `among`) names the same leader and that leader
   * says it leads; `exclude` names a node that must not be the answer (e.g. the old leader).
   */
  async waitForLeader(options: { among?: readonly string[]; exclude?: string; timeoutMs?: number } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? HARNESS_LIMITS.leaderTimeoutMs);
    let last = '';
    while (Date.now() < deadline) {
      const ids = options.among ?? this.running();
      const views = await Promise.all(ids.map((id) => this.clusterView(id)));
      last = JSON.stringify(views.map((v) => (v === null ? null : { id: v.node_id, role: v.role, term: v.term, leader: v.leader })));
      const leader = views[0]?.leader ?? null;
      const agreed = leader !== null && views.every((v) => v !== null && v.leader === leader);
      const leaderView = views.find((v) => v?.node_id === leader);
      if (agreed && leader !== options.exclude && leaderView?.role === 'leader') return leader;
      await sleep(HARNESS_LIMITS.pollMs);
    }
    throw new Error(`no agreed leader within the timeout; last views: ${last}`);
  }

  /** Wait until `id` has applied at least `index` (stale reads on it then see that state). */
  async waitApplied(id: string, index: number, timeoutMs = HARNESS_LIMITS.leaderTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.clusterView(id);
      if (view !== null && view.applied_index >= index) return;
      if (Date.now() > deadline) throw new Error(`${id} did not apply index ${index} in time (at ${view?.applied_index ?? 'unknown'})`);
      await sleep(HARNESS_LIMITS.pollMs);
    }
  }

  async readLog(id: string): Promise<string> {
    return readFile(this.member(id).logPath, 'utf8').catch(() => '');
  }

  /**
   * Raft role changes `id` logged at or after `sinceMs` (wall clock), oldest first, from the
   * driver's "raft role or leader changed" lines of its JSON log.
   */
  async roleChanges(id: string, sinceMs: number): Promise<RoleChange[]> {
    const out: RoleChange[] = [];
    for (const line of (await this.readLog(id)).split('\n')) {
      if (!line.includes('raft role or leader changed')) continue;
      try {
        const j = JSON.parse(line) as { time?: unknown; role?: unknown; term?: unknown; leader?: unknown };
        if (typeof j.time === 'number' && j.time >= sinceMs && typeof j.role === 'string' && typeof j.term === 'number') {
          out.push({ timeMs: j.time, role: j.role, term: j.term, leader: typeof j.leader === 'string' ? j.leader : null });
        }
      } catch {
        // a line cut by kill -9
      }
    }
    return out;
  }

  /** Kill every process ever started by PID (SIGKILL), wait for exits, remove the temp dir unless `keepDir`. */
  async close(options: { keepDir?: boolean } = {}): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const child of this.children) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      waits.push(new Promise((resolve) => child.once('exit', resolve)));
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await withTimeout(Promise.all(waits), HARNESS_LIMITS.exitTimeoutMs, 'children did not exit after SIGKILL').catch(() => undefined);
    await this.exchange?.stop();
    if (options.keepDir !== true) await rm(this.dir, { recursive: true, force: true });
  }

  private track(child: ChildProcess): void {
    this.children.add(child);
    LIVE_CHILDREN.add(child);
    child.once('exit', () => LIVE_CHILDREN.delete(child));
  }

  private member(id: string): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`unknown node ${id} (members: ${this.ids.join(', ')})`);
    return m;
  }

  private nodeEnv(m: Member): Record<string, string> {
    return {
      ...filteredProcessEnv(),
      ...this.env,
      NODE_ID: m.id,
      HTTP_PORT: String(m.httpPort),
      GRPC_PORT: String(m.grpcPort),
      DATA_DIR: m.dataDir,
      ...m.env,
    };
  }

  private spawnMember(m: Member): void {
    const fd = openSync(m.logPath, 'a');
    try {
      const child = spawn(process.execPath, [...NODE_V8_FLAGS, '--import', 'tsx', MAIN], { cwd: ROOT, env: this.nodeEnv(m), stdio: ['ignore', fd, fd] });
      if (child.pid === undefined) throw new Error(`spawn of ${m.id} failed`);
      this.track(child);
      m.child = child;
      m.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    } finally {
      closeSync(fd);
    }
  }

  private async waitReady(id: string): Promise<void> {
    const deadline = Date.now() + HARNESS_LIMITS.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!this.isRunning(id)) throw new Error(`${id} exited before ready; log:\n${(await this.readLog(id)).slice(-3000)}`);
      try {
        const res = await fetch(`${this.url(id)}/health`, { signal: AbortSignal.timeout(HARNESS_LIMITS.probeTimeoutMs) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(HARNESS_LIMITS.pollMs);
    }
    throw new Error(`${id} not ready after ${HARNESS_LIMITS.readyTimeoutMs} ms; log:\n${(await this.readLog(id)).slice(-3000)}`);
  }
}

/** The parent's environment without vitest's variables (they would change the child's behaviour). */
function filteredProcessEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') out[k] = v;
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
