import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_PORT, NODE_COUNTS, planPorts, type NodeCount } from './port-plan.js';

/**
 * Where the nodes' Redis cache comes from:
 *   url  - use this server (REDIS_URL or --redis redis://...)
 *   auto - start `redis-server` from PATH on a free port; without one, run without the cache
 *   none - run the nodes without the cache
 */
export type RedisChoice = { readonly kind: 'url'; readonly url: string } | { readonly kind: 'auto' } | { readonly kind: 'none' };

export interface LauncherOptions {
  readonly dataDir: string;
  readonly fresh: boolean;
  /** Fixed ports shifted from 8080; null: every port is a free one (tests, jepsen, bench). */
  readonly basePort: number | null;
  readonly nodes: NodeCount;
  readonly redis: RedisChoice;
  /** RAFT_TICK_MS for the nodes; null: the node's default. */
  readonly tickMs: number | null;
  readonly logLevel: string;
  /** A Toxiproxy server to use instead of the built-in one (TOXIPROXY_URL). */
  readonly toxiproxyUrl: string | null;
  /** --no-proxy: nodes dial each other directly (no fault proxies; partitions and toxics unavailable). */
  readonly noProxy: boolean;
  /** Extra environment for every node (overrides the launcher's). */
  readonly nodeEnv: Readonly<Record<string, string>>;
  /** `--symbols FILE`: the catalog (any CSV with a `symbol` column); null: the data dir's, else symbols.csv. */
  readonly symbolsFile: string | null;
}

export const LAUNCHER_USAGE = `Usage: npm start -- [options]
  --data-dir <dir>     state, logs and launcher.json (default ./data)
  --fresh              wipe the data dir first (catalog, orders, Raft logs, history)
  --base-port <n>      shift every port by (n - ${DEFAULT_BASE_PORT}) (default ${DEFAULT_BASE_PORT})
  --nodes <${NODE_COUNTS.join('|')}>        cluster size (default 3)
  --redis <auto|none|redis://...>   cache: auto = REDIS_URL, else redis-server from PATH, else none
  --tick-ms <ms>       Raft tick for the nodes (RAFT_TICK_MS; default: the node's)
  --log-level <level>  nodes' LOG_LEVEL (default info)
  --symbols <file>     catalog: any CSV with a \`symbol\` column (default: the data dir's, else symbols.csv)
  --no-proxy           nodes dial each other directly: no fault proxies, so no partitions or toxics
Environment: REDIS_URL (cache server), TOXIPROXY_URL (use a real Toxiproxy instead of the built-in one).`;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export const TICK_MS_MAX = 10_000;

function parseIntStrict(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer ${min}..${max}, got "${raw}"`);
  }
  return value;
}

export function parseRedisChoice(raw: string | undefined, envUrl: string | undefined): RedisChoice {
  if (raw === undefined || raw === 'auto') {
    return envUrl !== undefined && envUrl.trim() !== '' ? { kind: 'url', url: parseRedisUrl(envUrl.trim(), 'REDIS_URL') } : { kind: 'auto' };
  }
  if (raw === 'none') return { kind: 'none' };
  return { kind: 'url', url: parseRedisUrl(raw, '--redis') };
}

function parseRedisUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be auto, none or a redis:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`${name} must be a redis:// or rediss:// URL, got "${raw}"`);
  return raw;
}

function parseToxiproxyUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`TOXIPROXY_URL must be an http:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:') throw new Error(`TOXIPROXY_URL must be an http:// URL, got "${raw}"`);
  return url.origin;
}

/** `npm start` flags; `cwd` resolves a relative --data-dir. Returns null for --help. */
export function parseLauncherArgs(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): LauncherOptions | null {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      fresh: { type: 'boolean' },
      'base-port': { type: 'string' },
      nodes: { type: 'string' },
      redis: { type: 'string' },
      'tick-ms': { type: 'string' },
      'log-level': { type: 'string' },
      symbols: { type: 'string' },
      'no-proxy': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;
  const nodes = parseIntStrict('--nodes', values.nodes ?? '3', 1, 99);
  if (!(NODE_COUNTS as readonly number[]).includes(nodes)) throw new Error(`--nodes must be ${NODE_COUNTS.join(' or ')}, got ${nodes}`);
  const basePort = parseIntStrict('--base-port', values['base-port'] ?? String(DEFAULT_BASE_PORT), 1, 65535);
  planPorts(basePort, nodes); // throws when the shifted ports leave the valid range
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const dataDir = values['data-dir'] ?? 'data';
  if (dataDir.trim() === '') throw new Error('--data-dir must not be empty');
  return {
    dataDir: resolve(cwd, dataDir),
    fresh: values.fresh === true,
    basePort,
    nodes: nodes as NodeCount,
    redis: parseRedisChoice(values.redis, env['REDIS_URL']),
    tickMs: values['tick-ms'] === undefined ? null : parseIntStrict('--tick-ms', values['tick-ms'], 1, TICK_MS_MAX),
    logLevel,
    toxiproxyUrl: parseToxiproxyUrl(env['TOXIPROXY_URL']),
    noProxy: values['no-proxy'] === true,
    nodeEnv: {},
    symbolsFile: values.symbols === undefined ? null : resolve(cwd, values.symbols),
  };
}
