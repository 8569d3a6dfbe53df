/**
 * `npm run jepsen -- ...` arguments, parsed and validated up front with precise messages.
 */
import { parseArgs } from 'node:util';
import { ALL_FAULTS, type FaultKind } from './generator.js';
import { RUN_DEFAULTS, validateRunOptions, type RunOptions } from './run-options.js';

export const USAGE = `usage: npm run jepsen -- [options]
  --nemesis <list>        faults, comma-separated: ${ALL_FAULTS.join(', ')}, all (every one but membership and clock), none (default none)
  --clock-rate <r,...>    clock rates the clock fault draws from, x real time (default ${RUN_DEFAULTS.clockRates.join(',')}: inside the lease assumption)
  --read-mode <m>         lease | read-index: RAFT_READ_MODE of a fresh cluster's nodes (default lease)
  --time-limit <s>        workload seconds (default ${RUN_DEFAULTS.timeLimitMs / 1000})
  --rate <ops/s>          total request rate (default ${RUN_DEFAULTS.ratePerSec})
  --concurrency <n>       client processes (default ${RUN_DEFAULTS.concurrency})
  --keys <k>              hot stocks traded, the first k of symbols.csv (default 5)
  --seed <n>              seed of workload and nemesis (default: from the clock, printed)
  --consistency <c>       linearizable | stale stock reads (default linearizable)
  --attach                use the cluster running on --data-dir instead of starting one
  --data-dir <dir>        launcher data dir for --attach (default data)
  --nodes <3|5>           size of a fresh cluster (default 3)
  --redis <r>             Redis of a fresh cluster: auto | none | redis://... (default auto)
  --name <name>           run name in the store dir (default: the nemesis list)
  --request-timeout <ms>  per-request timeout (default ${RUN_DEFAULTS.requestTimeoutMs})
  --check-time-limit <s>  linearizability search time limit (default 60)
  --recheck <dir>         only re-check a stored run's history.jsonl
Exit code: 0 valid, 1 violation found, 2 unknown (e.g. the check timed out), 3 usage or run error.`;

export type Cli =
  | { mode: 'help' }
  | { mode: 'recheck'; dir: string }
  | { mode: 'run'; run: Omit<RunOptions, 'keys'>; keysCount: number; attach: boolean; dataDir: string; nodes: 3 | 5; redis: string; readMode: ReadModeChoice; checkTimeLimitMs: number };

/** The nodes' read mode (src/node/node-config.ts, RAFT_READ_MODE); null: the nodes' default (lease). */
export type ReadModeChoice = 'lease' | 'read-index' | null;

function intArg(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function numberArg(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`--${name} must be a number, got "${raw}"`);
  return v;
}

export function parseNemesisList(raw: string | undefined): FaultKind[] {
  if (raw === undefined || raw === 'none' || raw === '') return [];
  const out = new Set<FaultKind>();
  for (const part of raw.split(',').map((s) => s.trim())) {
    // `all` leaves out membership (it replaces nodes; partitions reach only the original ones) and
    // clock (it needs faketime, and an out-of-bound rate is meant to break lease reads).
    if (part === 'all') ALL_FAULTS.filter((f) => f !== 'membership' && f !== 'clock').forEach((f) => out.add(f));
    else if ((ALL_FAULTS as readonly string[]).includes(part)) out.add(part as FaultKind);
    else throw new Error(`--nemesis: unknown fault "${part}" (known: ${ALL_FAULTS.join(', ')}, all, none)`);
  }
  return [...out];
}

export function parseCli(argv: readonly string[], defaultSeed: number): Cli {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      nemesis: { type: 'string' },
      'time-limit': { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      keys: { type: 'string' },
      seed: { type: 'string' },
      consistency: { type: 'string' },
      attach: { type: 'boolean' },
      'data-dir': { type: 'string' },
      nodes: { type: 'string' },
      redis: { type: 'string' },
      name: { type: 'string' },
      'request-timeout': { type: 'string' },
      'check-time-limit': { type: 'string' },
      recheck: { type: 'string' },
      'clock-rate': { type: 'string' },
      'read-mode': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  if (values.help) return { mode: 'help' };
  if (values.recheck !== undefined) return { mode: 'recheck', dir: values.recheck };
  const faults = parseNemesisList(values.nemesis);
  const consistency = values.consistency ?? 'linearizable';
  if (consistency !== 'linearizable' && consistency !== 'stale') throw new Error(`--consistency must be linearizable or stale, got "${consistency}"`);
  const nodes = intArg('nodes', values.nodes, 3);
  if (nodes !== 3 && nodes !== 5) throw new Error(`--nodes must be 3 or 5, got ${nodes}`);
  if (values.attach && values.nodes !== undefined) throw new Error('--nodes applies to a fresh cluster, not with --attach');
  const redis = values.redis ?? 'auto';
  if (redis !== 'auto' && redis !== 'none' && !/^rediss?:\/\//.test(redis)) throw new Error(`--redis must be auto, none or a redis:// URL, got "${redis}"`);
  if (values.attach && values.redis !== undefined) throw new Error('--redis applies to a fresh cluster, not with --attach');
  const readMode = values['read-mode'] ?? null;
  if (readMode !== null && readMode !== 'lease' && readMode !== 'read-index') throw new Error(`--read-mode must be lease or read-index, got "${readMode}"`);
  if (values.attach && readMode !== null) throw new Error('--read-mode applies to a fresh cluster, not with --attach');
  const clockRates = values['clock-rate'] === undefined ? RUN_DEFAULTS.clockRates : values['clock-rate'].split(',').map((r) => numberArg('clock-rate', r, 1));
  const run = {
    ...RUN_DEFAULTS,
    clockRates,
    name: values.name ?? (faults.length === 0 ? 'no-faults' : faults.join('-')),
    seed: intArg('seed', values.seed, defaultSeed),
    faults,
    timeLimitMs: Math.round(numberArg('time-limit', values['time-limit'], RUN_DEFAULTS.timeLimitMs / 1000) * 1000),
    ratePerSec: numberArg('rate', values.rate, RUN_DEFAULTS.ratePerSec),
    concurrency: intArg('concurrency', values.concurrency, RUN_DEFAULTS.concurrency),
    consistency,
    requestTimeoutMs: intArg('request-timeout', values['request-timeout'], RUN_DEFAULTS.requestTimeoutMs),
  } as const;
  const keysCount = intArg('keys', values.keys, 5);
  validateRunOptions({ ...run, keys: Array.from({ length: keysCount }, (_, i) => `k${i}`) });
  const checkTimeLimitMs = Math.round(numberArg('check-time-limit', values['check-time-limit'], 60) * 1000);
  if (checkTimeLimitMs < 1) throw new Error('--check-time-limit must be > 0 seconds');
  return { mode: 'run', run, keysCount, attach: values.attach ?? false, dataDir: values['data-dir'] ?? 'data', nodes, redis, readMode, checkTimeLimitMs };
}
