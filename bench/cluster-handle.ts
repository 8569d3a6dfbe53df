/**
 * The one place where the benchmark meets a Bazaar cluster.
 *
 * - managed (default): `startCluster` from cluster/control.ts runs the `npm start` launcher in
 *   this process (free ports unless --base-port, a temporary data dir removed on stop); kills,
 *   restarts, cache flushes and cache on/off (a fresh cluster) are available.
 * - `--attach` / `--target`: the user started the cluster; scenarios load the target URLs; the
 *   leader is found through GET /cluster; kills, restarts and cache toggles are not available
 *   (scenarios that need them say so and skip).
 */
import { constants as osConstants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { startCluster, type RunningCluster } from '../cluster/control.js';
import { loopbackOrigin } from './load/loopback.js';

/** Ask each node's /cluster for at most this long. */
export const CLUSTER_PROBE_TIMEOUT_MS = 1000;
/** killLeader waits this long for a leader to kill. */
export const KILL_LEADER_WAIT_MS = 10_000;
/** A started cluster must elect a leader within this long. */
export const START_LEADER_WAIT_MS = 30_000;

export interface KillRecord {
  nodeId: string;
  url: string;
  killedAtMs: number;
}

export interface ClusterHandle {
  readonly managed: boolean;
  /** Whether the nodes run with the Redis cache (null: unknown, attached without --cache). */
  readonly cacheEnabled: boolean | null;
  /** HTTP base URLs of all nodes. */
  nodeUrls(): string[];
  /** Mock exchange base URLs (for request counts), possibly empty. */
  exchangeUrls(): string[];
  /** The node that reports role "leader" in GET /cluster (polls up to timeoutMs). */
  leaderUrl(timeoutMs: number): Promise<string>;
  /** SIGKILL the current leader (managed clusters only). */
  killLeader(): Promise<KillRecord>;
  /** Restart a killed node (managed clusters only); resolves when it answers /health. */
  restartNode(nodeId: string): Promise<void>;
  /** Restart the cluster with the cache on or off (managed clusters only); resolves when ready. */
  setCache(enabled: boolean): Promise<void>;
  /** Pids of the request path's processes (nodes, fault proxy, Redis) for CPU figures; [] when unknown (attached). */
  serverPids(): number[];
  /** Empty the Redis cache; false when this handle cannot (attached, or no Redis). */
  flushCache(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  attach: boolean;
  targets: string[];
  exchangeUrls: string[];
  /** Managed: fixed ports shifted from 8080, or null for free ports. */
  basePort: number | null;
  /** Attached: what the user says about the cluster; managed: the initial state. */
  cacheEnabled: boolean | null;
  /** Managed: nodes run with `--cpu-prof` and write their profiles here on stop. */
  cpuProfDir?: string | null;
  /** Managed: the nodes dial each other directly (`npm start -- --no-proxy`). */
  noProxy?: boolean;
}

/** Node 20 refuses --cpu-prof in NODE_OPTIONS; this preload profiles through the inspector instead. */
export const CPU_PROFILE_PRELOAD = fileURLToPath(new URL('./support/cpu-profile-preload.mjs', import.meta.url));

/** Extra environment of every managed node. */
export function nodeEnv(options: Pick<ClusterOptions, 'cpuProfDir'>): Record<string, string> {
  if (options.cpuProfDir === undefined || options.cpuProfDir === null) return {};
  const inherited = process.env['NODE_OPTIONS'] ?? '';
  return { NODE_OPTIONS: `${inherited} --import=${pathToFileURL(CPU_PROFILE_PRELOAD).href}`.trim(), BENCH_CPU_PROF_DIR: options.cpuProfDir };
}

export async function openCluster(options: ClusterOptions): Promise<ClusterHandle> {
  if (options.attach) return new AttachedCluster(options);
  return startManagedCluster(options);
}

class AttachedCluster implements ClusterHandle {
  readonly managed = false;
  readonly cacheEnabled: boolean | null;
  private readonly urls: string[];

  constructor(private readonly options: ClusterOptions) {
    if (options.targets.length === 0) throw new Error('--attach needs at least one --target URL');
    this.urls = options.targets.map((t) => loopbackOrigin(t));
    this.cacheEnabled = options.cacheEnabled;
  }

  nodeUrls(): string[] {
    return this.urls;
  }

  exchangeUrls(): string[] {
    return this.options.exchangeUrls.map((u) => loopbackOrigin(u, 'exchange URL'));
  }

  leaderUrl(timeoutMs: number): Promise<string> {
    return findLeader(this.urls, timeoutMs);
  }

  killLeader(): Promise<KillRecord> {
    return Promise.reject(new Error(notManaged('kill the leader')));
  }

  restartNode(): Promise<void> {
    return Promise.reject(new Error(notManaged('restart a node')));
  }

  setCache(enabled: boolean): Promise<void> {
    if (this.cacheEnabled === enabled || this.cacheEnabled === null) return Promise.resolve(); // cannot toggle: measure as is
    return Promise.reject(new Error(notManaged(`run with the cache ${enabled ? 'on' : 'off'}`)));
  }

  flushCache(): Promise<boolean> {
    return Promise.resolve(false);
  }

  serverPids(): number[] {
    return [];
  }

  async stop(): Promise<void> {}
}

export function notManaged(what: string): string {
  return `cannot ${what} on an attached cluster: start one through cluster/control.ts (run without --attach)`;
}

/** Start (or restart) the launcher with the cache on or off; a cache-on cluster without Redis is refused. */
async function launch(options: ClusterOptions, cacheEnabled: boolean): Promise<RunningCluster> {
  const cluster = await startCluster({ ...(options.basePort === null ? {} : { basePort: options.basePort }), cacheEnabled, env: nodeEnv(options), noProxy: options.noProxy ?? false });
  if (cacheEnabled && cluster.flushCache === undefined) {
    await cluster.stop();
    throw new Error('the cluster started without Redis (no REDIS_URL, no redis-server on PATH): cache-on runs need one');
  }
  try {
    await findLeader(cluster.nodes.map((n) => n.httpUrl), START_LEADER_WAIT_MS);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Signals that end a bench run; the cluster it started must not outlive it. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Until release(): a stop signal exits the process (128 + the signal's number), and exiting runs
 * the launcher's exit hook, which kills every child at once. With Node's default action the bench
 * ended without 'exit', and the nodes, proxies, Redis and exchanges it had started kept running.
 */
function exitOnStopSignals(): { release(): void } {
  const handler = (signal: NodeJS.Signals): void => {
    process.stderr.write(`[bench] ${signal}: stopping the cluster\n`);
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return {
    release: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, handler);
    },
  };
}

async function startManagedCluster(options: ClusterOptions): Promise<ClusterHandle> {
  let cacheEnabled = options.cacheEnabled ?? true;
  const signals = exitOnStopSignals();
  let cluster: RunningCluster;
  try {
    cluster = await launch(options, cacheEnabled);
  } catch (err) {
    signals.release();
    throw err;
  }
  const urls = (): string[] => cluster.nodes.map((n) => n.httpUrl);
  return {
    managed: true,
    get cacheEnabled() {
      return cacheEnabled;
    },
    nodeUrls: urls,
    exchangeUrls: () => [...cluster.exchangeUrls],
    leaderUrl: (timeoutMs) => findLeader(urls(), timeoutMs),
    async killLeader() {
      const url = await findLeader(urls(), KILL_LEADER_WAIT_MS);
      const node = cluster.nodes.find((n) => n.httpUrl === url);
      if (node === undefined) throw new Error(`leader ${url} is not one of the started nodes`);
      const killedAtMs = Date.now();
      await cluster.killNode(node.id, 'SIGKILL');
      return { nodeId: node.id, url, killedAtMs };
    },
    restartNode: (nodeId) => cluster.restartNode(nodeId),
    serverPids: () => requestPathPids(cluster.launcher.describe().pids),
    async setCache(enabled) {
      if (enabled === cacheEnabled) return;
      await cluster.stop();
      cluster = await launch(options, enabled);
      cacheEnabled = enabled;
    },
    async flushCache() {
      if (cluster.flushCache === undefined) return false;
      await cluster.flushCache();
      return true;
    },
    stop: async () => {
      try {
        await cluster.stop();
      } finally {
        signals.release();
      }
    },
  };
}

/** Nodes (n1..n5), the fault proxy and Redis: the processes a request's work runs in. */
export function requestPathPids(pids: Readonly<Record<string, number>>): number[] {
  return Object.entries(pids)
    .filter(([name]) => /^n\d+$/.test(name) || name === 'toxiproxy' || name === 'redis')
    .map(([, pid]) => pid);
}

/** Poll GET /cluster on every node until one says it is the leader. */
export async function findLeader(urls: readonly string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no node answered';
  while (Date.now() < deadline) {
    for (const url of urls) {
      try {
        const role = await fetchRole(url);
        if (role === 'leader') return url;
        lastProblem = `${url} is ${role}`;
      } catch (err) {
        lastProblem = `${url}: ${(err as Error).message}`;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no leader found within ${timeoutMs} ms (${lastProblem})`);
}

async function fetchRole(url: string): Promise<string> {
  const pool = new Pool(url, { connections: 1 });
  try {
    const res = await pool.request({ path: '/cluster', method: 'GET', signal: AbortSignal.timeout(CLUSTER_PROBE_TIMEOUT_MS) });
    const body = (await res.body.json()) as { role?: unknown };
    if (res.statusCode !== 200) return `status ${res.statusCode}`;
    return typeof body.role === 'string' ? body.role.toLowerCase() : 'unknown role';
  } finally {
    await pool.close();
  }
}
