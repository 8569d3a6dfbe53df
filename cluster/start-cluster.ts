import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { ClusterControl } from './cluster-control.js';
import { Launcher, type LogLine } from './launcher.js';
import { parseRedisChoice, type LauncherOptions } from './launcher-options.js';
import { isNodeCount, planPorts, type NodeCount } from './port-plan.js';

/**
 * A whole cluster in this process (tests, jepsen-lite, bench): the same launcher as `npm
 * start`, with its control API and launcher.json, so `npm run cluster -- --data-dir <dir>`
 * works against it too.
 */
export interface StartClusterOptions {
  /** Default: a new temporary dir, removed by stop(). */
  readonly dataDir?: string;
  /** Wipe dataDir first (default false; a temporary dir is always new). */
  readonly fresh?: boolean;
  /** Fixed ports shifted from 8080; omitted or null: free ports everywhere. */
  readonly basePort?: number | null;
  readonly nodes?: NodeCount;
  /** 'auto' (REDIS_URL, else redis-server from PATH, else none), 'none', or a redis:// URL. Default 'auto'. */
  readonly redis?: string;
  /** bench's switch: false = redis 'none', true = redis 'auto' (ignored when `redis` is given). */
  readonly cacheEnabled?: boolean;
  readonly tickMs?: number;
  readonly logLevel?: string;
  /** Extra environment for every node. */
  readonly env?: Readonly<Record<string, string>>;
  /** Catalog CSV (a `symbol` column); default symbols.csv. */
  readonly symbolsFile?: string;
  /** Use this Toxiproxy (default: TOXIPROXY_URL, else the built-in server). */
  readonly toxiproxyUrl?: string;
  /** Nodes dial each other directly, without fault proxies (default false). */
  readonly noProxy?: boolean;
  /** Launcher lines (crashes, redis choice); default stderr with a `[cluster]` prefix. */
  readonly log?: LogLine;
}

export interface RunningCluster {
  readonly control: ClusterControl;
  readonly launcher: Launcher;
  readonly dataDir: string;
  readonly nodes: { id: string; httpUrl: string }[];
  readonly exchangeUrls: string[];
  killNode(nodeId: string, signal?: 'SIGKILL'): Promise<void>;
  /** Start a node again (restart if it runs). */
  restartNode(nodeId: string): Promise<void>;
  /** FLUSHALL on the cluster's Redis; absent when it runs without Redis. */
  flushCache?(): Promise<void>;
  /** Stop every child; a temporary data dir is removed. */
  stop(): Promise<void>;
}

function launcherOptions(options: StartClusterOptions, dataDir: string): LauncherOptions {
  const nodes = options.nodes ?? 3;
  if (!isNodeCount(nodes)) throw new Error(`nodes must be 3 or 5, got ${String(nodes)}`);
  const basePort = options.basePort ?? null;
  if (basePort !== null) planPorts(basePort, nodes);
  const redisRaw = options.redis ?? (options.cacheEnabled === false ? 'none' : 'auto');
  return {
    dataDir,
    fresh: options.fresh ?? false,
    basePort,
    nodes,
    redis: parseRedisChoice(redisRaw, process.env['REDIS_URL']),
    tickMs: options.tickMs ?? null,
    logLevel: options.logLevel ?? 'info',
    toxiproxyUrl: options.toxiproxyUrl ?? (process.env['TOXIPROXY_URL'] || null),
    noProxy: options.noProxy ?? false,
    nodeEnv: options.env ?? {},
    symbolsFile: options.symbolsFile ?? null,
  };
}

export async function startCluster(options: StartClusterOptions = {}): Promise<RunningCluster> {
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? await mkdtemp(join(tmpdir(), 'bazaar-cluster-')) : resolve(options.dataDir ?? 'data');
  const log = options.log ?? ((line: string) => process.stderr.write(`[cluster] ${line}\n`));
  let launcher: Launcher;
  try {
    launcher = await Launcher.start(launcherOptions(options, dataDir), log);
  } catch (error) {
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const info = launcher.describe();
  const control = new ClusterControl(info, launcher);
  const redisUrl = info.redis?.url ?? null;
  const cluster: RunningCluster = {
    control,
    launcher,
    dataDir,
    nodes: info.nodes.map((n) => ({ id: n.id, httpUrl: n.httpUrl })),
    exchangeUrls: info.exchanges.map((e) => e.url),
    killNode: (nodeId) => control.kill(nodeId),
    restartNode: async (nodeId) => {
      const running = (await launcher.processes()).find((p) => p.name === nodeId)?.pid != null;
      await (running ? control.restart(nodeId) : control.start(nodeId));
    },
    stop: async () => {
      await launcher.stop();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
  if (redisUrl === null) return cluster;
  return {
    ...cluster,
    flushCache: async () => {
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        await redis.flushall();
      } finally {
        redis.disconnect();
      }
    },
  };
}
