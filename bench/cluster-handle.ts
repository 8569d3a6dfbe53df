/**
 * The one place where the benchmark meets a Bazaar cluster.
 *
 * - `--attach` (the default until cluster/control.ts exists): the user started the cluster;
 *   scenarios load the `--target` URLs; the leader is found through GET /cluster; kills,
 *   restarts and cache toggles are not available (scenarios that need them say so and skip).
 * - started: `cluster/control.ts` (written by the launcher engineer) is imported dynamically and
 *   must export `startCluster(options): Promise<ControlledCluster>` as declared below.
 *   Plug-in point: `startManagedCluster` in this file; nothing else in bench/ knows the launcher.
 */
import { Pool } from 'undici';
import { loopbackOrigin } from './load/loopback.js';

/** Ask each node's /cluster for at most this long. */
export const CLUSTER_PROBE_TIMEOUT_MS = 1000;

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
  /** Restart a killed node (managed clusters only). */
  restartNode(nodeId: string): Promise<void>;
  /** Restart the cluster with the cache on or off (managed clusters only); resolves when ready. */
  setCache(enabled: boolean): Promise<void>;
  /** Empty the Redis cache; false when this handle cannot (attached, or the launcher lacks it). */
  flushCache(): Promise<boolean>;
  stop(): Promise<void>;
}

/** What cluster/control.ts is expected to export. */
export interface ClusterControlModule {
  startCluster(options: { basePort: number; cacheEnabled: boolean; dataDir?: string }): Promise<ControlledCluster>;
}

export interface ControlledCluster {
  nodes: { id: string; httpUrl: string }[];
  exchangeUrls: string[];
  killNode(nodeId: string, signal: 'SIGKILL'): Promise<void>;
  restartNode(nodeId: string): Promise<void>;
  /** Optional: empty the cluster's Redis. */
  flushCache?(): Promise<void>;
  /** Stop everything the launcher started. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  attach: boolean;
  targets: string[];
  exchangeUrls: string[];
  basePort: number;
  /** Attached: what the user says about the cluster; managed: the initial state. */
  cacheEnabled: boolean | null;
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

  async stop(): Promise<void> {}
}

export function notManaged(what: string): string {
  return `cannot ${what} on an attached cluster: start one through cluster/control.ts (run without --attach)`;
}

async function startManagedCluster(options: ClusterOptions): Promise<ClusterHandle> {
  const specifier = '../cluster/control.js';
  let mod: Partial<ClusterControlModule>;
  try {
    mod = (await import(specifier)) as Partial<ClusterControlModule>;
  } catch (err) {
    throw new Error(`cluster/control.ts could not be loaded (${(err as Error).message}); start a cluster yourself and pass --attach --target http://127.0.0.1:8080 ...`);
  }
  if (typeof mod.startCluster !== 'function') throw new Error('cluster/control.ts does not export startCluster(options)');
  const startCluster = mod.startCluster.bind(mod);
  let cacheEnabled = options.cacheEnabled ?? true;
  let cluster = await startCluster({ basePort: options.basePort, cacheEnabled });
  const handle: ClusterHandle = {
    managed: true,
    get cacheEnabled() {
      return cacheEnabled;
    },
    nodeUrls: () => cluster.nodes.map((n) => n.httpUrl),
    exchangeUrls: () => cluster.exchangeUrls,
    leaderUrl: (timeoutMs) => findLeader(cluster.nodes.map((n) => n.httpUrl), timeoutMs),
    async killLeader() {
      const url = await findLeader(cluster.nodes.map((n) => n.httpUrl), 10_000);
      const node = cluster.nodes.find((n) => n.httpUrl === url);
      if (node === undefined) throw new Error(`leader ${url} is not one of the started nodes`);
      const killedAtMs = Date.now();
      await cluster.killNode(node.id, 'SIGKILL');
      return { nodeId: node.id, url, killedAtMs };
    },
    restartNode: (nodeId) => cluster.restartNode(nodeId),
    async setCache(enabled) {
      if (enabled === cacheEnabled) return;
      await cluster.stop();
      cluster = await startCluster({ basePort: options.basePort, cacheEnabled: enabled });
      cacheEnabled = enabled;
    },
    async flushCache() {
      if (cluster.flushCache === undefined) return false;
      await cluster.flushCache();
      return true;
    },
    stop: () => cluster.stop(),
  };
  return handle;
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
