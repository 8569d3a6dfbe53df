import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loopbackOrigin } from './load/loopback.js';

export const SMOKE_TOTAL_MS = 10_000;
export const DURATION_S_MAX = 1800;
export const DEFAULT_BASE_PORT = 8080;
/** Node i listens on basePort + i * NODE_PORT_STRIDE (8080, 8180, 8280). */
export const NODE_PORT_STRIDE = 100;
export const NODE_COUNT = 3;
export const EXCHANGE_COUNT = 3;

export interface BenchOptions {
  scenario: string | null;
  durationS: number;
  /** null: the scenario's own default. */
  connections: number | null;
  rate: number | null;
  targets: string[];
  exchangeUrls: string[];
  attach: boolean;
  /** --base-port: fixed ports; null: a managed cluster takes free ports (attached: 8080, 8180, 8280). */
  basePort: number | null;
  smoke: boolean;
  seed: number;
  /** Attached clusters: what the user says the cache is; managed: ignored (scenarios choose). */
  cache: boolean | null;
  requestTimeoutMs: number;
  resultsRoot: string;
  /** Managed cluster: each node writes a V8 CPU profile here when it stops (node --cpu-prof). */
  cpuProfDir: string | null;
  /** Managed cluster: with fault proxies (on), without (off, `npm start -- --no-proxy`), or both (bench:compare); null: the command's default. */
  proxy: ProxyChoice | null;
  /** bench:compare: which loads to run (reads, trades or all). */
  only: OnlyChoice;
  list: boolean;
  help: boolean;
}

export const PROXY_CHOICES = ['on', 'off', 'both'] as const;
export type ProxyChoice = (typeof PROXY_CHOICES)[number];
export const ONLY_CHOICES = ['reads', 'trades', 'all'] as const;
export type OnlyChoice = (typeof ONLY_CHOICES)[number];

export const BENCH_USAGE = `usage: npm run bench -- <scenario> [options]
  --duration-s N        seconds per measured phase (default 10; --smoke: 10 s for the whole scenario)
  --connections N       connections / virtual users (default: the scenario's)
  --rate N              open loop at N requests/s instead of a closed loop (where the scenario allows)
  --target URL          a node's base URL (repeatable; implies --attach), e.g. http://127.0.0.1:8080
  --exchange URL        a mock exchange's base URL (repeatable; default: base port + 1..3)
  --attach              use an already running cluster (default targets: base port, +100, +200)
  --base-port N         first node's HTTP port (managed default: free ports; attached default: 8080)
  --cache on|off        attached cluster: whether its nodes run with the Redis cache
  --smoke               10-second smoke (CI): short phases, small loads, no timing asserted
  --seed N              seed of the request mix (default: random, printed)
  --request-timeout-ms N  per-request timeout (default 5000)
  --results DIR         results root (default bench/results)
  --cpu-prof-dir DIR    managed cluster: every node is CPU-profiled (inspector) and writes a .cpuprofile to DIR on stop
  --proxy on|off|both   managed cluster with the fault proxies (on), without them (off), or both in turn (bench:compare; its default)
  --only reads|trades|all  bench:compare: only the read loads (leader and follower) or only the trade loads (default all)
  --list                list scenarios
  --help, -h            this text (bench:compare takes the same options, without a scenario)`;

/** An option the user got wrong: a CLI prints its message as one line, without a stack. */
export class UsageError extends Error {}

/** What a bench CLI prints for an error that ends it: a usage error's message, else the stack. */
export function cliErrorText(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Parse `npm run bench` / `bench:compare` options; every refusal is a UsageError. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  try {
    return parseBenchArgsOrThrow(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseBenchArgsOrThrow(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'duration-s': { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      target: { type: 'string', multiple: true },
      exchange: { type: 'string', multiple: true },
      attach: { type: 'boolean', default: false },
      'base-port': { type: 'string' },
      cache: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'request-timeout-ms': { type: 'string' },
      results: { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      proxy: { type: 'string' },
      only: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (positionals.length > 1) throw new Error(`one scenario at a time, got: ${positionals.join(' ')}`);
  const basePort = optionalInt('--base-port', values['base-port'], 1, 65535 - 300);
  const explicitTargets = (values.target ?? []).map((t) => loopbackOrigin(t, '--target'));
  const targets = explicitTargets.length > 0 ? explicitTargets : defaultNodeUrls(basePort ?? DEFAULT_BASE_PORT);
  const exchangeUrls = (values.exchange ?? []).map((t) => loopbackOrigin(t, '--exchange'));
  return {
    scenario: positionals[0] ?? null,
    durationS: intOption('--duration-s', values['duration-s'], 10, 1, DURATION_S_MAX),
    connections: optionalInt('--connections', values.connections, 1, 20_000),
    rate: optionalInt('--rate', values.rate, 1, 1_000_000),
    targets,
    exchangeUrls: exchangeUrls.length > 0 ? exchangeUrls : defaultExchangeUrls(basePort ?? DEFAULT_BASE_PORT),
    attach: values.attach || explicitTargets.length > 0,
    basePort,
    smoke: values.smoke,
    seed: intOption('--seed', values.seed, randomSeed(), 0, 2 ** 32 - 1),
    cache: parseCache(values.cache),
    requestTimeoutMs: intOption('--request-timeout-ms', values['request-timeout-ms'], 5000, 1, 600_000),
    resultsRoot: values.results ?? 'bench/results',
    cpuProfDir: values['cpu-prof-dir'] === undefined ? null : resolve(values['cpu-prof-dir']),
    proxy: parseProxy(values.proxy),
    only: parseOnly(values.only),
    list: values.list,
    help: values.help,
  };
}

export function defaultNodeUrls(basePort: number): string[] {
  return Array.from({ length: NODE_COUNT }, (_, i) => `http://127.0.0.1:${basePort + i * NODE_PORT_STRIDE}`);
}

export function defaultExchangeUrls(basePort: number): string[] {
  return Array.from({ length: EXCHANGE_COUNT }, (_, i) => `http://127.0.0.1:${basePort + 1 + i}`);
}

/** Milliseconds for each of `phaseCount` measured phases: durationS each, or a share of the smoke's 10 s. */
export function phaseMs(options: Pick<BenchOptions, 'smoke' | 'durationS'>, phaseCount: number): number {
  if (!Number.isInteger(phaseCount) || phaseCount < 1) throw new Error(`phaseCount must be an integer >= 1, got ${phaseCount}`);
  if (options.smoke) return Math.max(500, Math.floor(SMOKE_TOTAL_MS / phaseCount));
  return options.durationS * 1000;
}

function parseProxy(raw: string | undefined): ProxyChoice | null {
  if (raw === undefined) return null;
  if ((PROXY_CHOICES as readonly string[]).includes(raw)) return raw as ProxyChoice;
  throw new Error(`--proxy must be one of ${PROXY_CHOICES.join(', ')}, got "${raw}"`);
}

function parseOnly(raw: string | undefined): OnlyChoice {
  if (raw === undefined) return 'all';
  if ((ONLY_CHOICES as readonly string[]).includes(raw)) return raw as OnlyChoice;
  throw new Error(`--only must be one of ${ONLY_CHOICES.join(', ')}, got "${raw}"`);
}

function parseCache(raw: string | undefined): boolean | null {
  if (raw === undefined) return null;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`--cache must be "on" or "off", got "${raw}"`);
}

function optionalInt(name: string, raw: string | undefined, lo: number, hi: number): number | null {
  return raw === undefined ? null : intOption(name, raw, 0, lo, hi);
}

function intOption(name: string, raw: string | undefined, fallback: number, lo: number, hi: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < lo || value > hi) {
    throw new Error(`${name} must be an integer in ${lo}..${hi}, got "${raw}"`);
  }
  return value;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
