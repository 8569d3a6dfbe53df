/**
 * Options of one jepsen-lite run, validated once up front with precise messages.
 */
import { ALL_FAULTS, CLOCK_RATES_IN_BOUND, type FaultKind } from './generator.js';

export interface RunOptions {
  /** Store directory name suffix and idempotency key prefix. */
  name: string;
  seed: number;
  faults: readonly FaultKind[];
  /** Length of the workload phase. */
  timeLimitMs: number;
  /** Total ops per second over all processes (each process paces itself to rate / concurrency). */
  ratePerSec: number;
  concurrency: number;
  keys: readonly string[];
  consistency: 'linearizable' | 'stale';
  qtyMax: number;
  /** Retries of an indeterminate trade with its idempotency key during the workload. */
  retriesMax: number;
  requestTimeoutMs: number;
  /** After healing: wait for a healthy cluster (bounded), then let it settle this long. */
  recoverTimeoutMs: number;
  settleMs: number;
  /** Final phase: attempts per indeterminate trade and per final read. */
  finalAttemptsMax: number;
  nemesisQuietMs: { min: number; max: number };
  nemesisFaultMs: { min: number; max: number };
  /** Rates the clock fault draws from (x real time; libfaketime). */
  clockRates: readonly number[];
}

export const RUN_DEFAULTS = {
  name: 'run',
  seed: 1,
  faults: [] as FaultKind[],
  timeLimitMs: 30_000,
  ratePerSec: 50,
  concurrency: 5,
  consistency: 'linearizable',
  qtyMax: 5,
  retriesMax: 2,
  requestTimeoutMs: 2_000,
  recoverTimeoutMs: 30_000,
  settleMs: 2_000,
  finalAttemptsMax: 20,
  nemesisQuietMs: { min: 2_000, max: 5_000 },
  nemesisFaultMs: { min: 3_000, max: 8_000 },
  clockRates: CLOCK_RATES_IN_BOUND,
} as const;

/** Bounds that keep a run, its history and its check within reason. */
export const CONCURRENCY_MAX = 200;
export const KEYS_MAX = 100;
export const TIME_LIMIT_MS_MAX = 3_600_000;
export const RATE_PER_SEC_MAX = 10_000;
/** Ops one run may issue (rate x time limit): the history is held in memory and checked. */
export const OPS_PER_RUN_MAX = 2_000_000;

export function validateRunOptions(o: RunOptions): void {
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${v}`);
  };
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(o.name)) throw new Error(`name must be 1..40 of [A-Za-z0-9._-], got "${o.name}"`);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  int('time limit (ms)', o.timeLimitMs, 1_000, TIME_LIMIT_MS_MAX);
  if (!(Number.isFinite(o.ratePerSec) && o.ratePerSec > 0 && o.ratePerSec <= RATE_PER_SEC_MAX)) {
    throw new Error(`rate must be a number in (0, ${RATE_PER_SEC_MAX}] ops/s, got ${o.ratePerSec}`);
  }
  if ((o.ratePerSec * o.timeLimitMs) / 1000 > OPS_PER_RUN_MAX) {
    throw new Error(`rate x time limit must stay under ${OPS_PER_RUN_MAX} ops per run, got ${Math.round((o.ratePerSec * o.timeLimitMs) / 1000)}`);
  }
  int('concurrency', o.concurrency, 1, CONCURRENCY_MAX);
  int('keys', o.keys.length, 1, KEYS_MAX);
  int('qtyMax', o.qtyMax, 1, 1_000_000);
  int('retriesMax', o.retriesMax, 0, 100);
  int('requestTimeoutMs', o.requestTimeoutMs, 1, 600_000);
  int('recoverTimeoutMs', o.recoverTimeoutMs, 1, 600_000);
  int('settleMs', o.settleMs, 0, 600_000);
  int('finalAttemptsMax', o.finalAttemptsMax, 1, 1_000);
  for (const f of o.faults) if (!ALL_FAULTS.includes(f)) throw new Error(`unknown nemesis "${f}" (known: ${ALL_FAULTS.join(', ')}, all)`);
  if (o.clockRates.length === 0 || o.clockRates.some((r) => !(Number.isFinite(r) && r >= 0.05 && r <= 20))) {
    throw new Error(`clock rates must be numbers in 0.05..20, got ${o.clockRates.join(',')}`);
  }
  if (o.consistency !== 'linearizable' && o.consistency !== 'stale') throw new Error(`consistency must be linearizable or stale, got ${String(o.consistency)}`);
}
