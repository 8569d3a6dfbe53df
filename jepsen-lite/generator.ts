/**
 * Generators (pure, seeded): the client workload and the nemesis schedule. Same seed, same
 * inputs -> same ops and the same schedule, so a run is reproducible from its seed (timing of
 * the real cluster aside).
 *
 * Workload: each process draws its next op from its own forked Rng: BUY/SELL of a small random
 * quantity on one of the hot keys, a GET of a key, or a read of an acknowledged transaction
 * number. A trade whose outcome was unknown (info) is retried with the same Idempotency-Key
 * (up to retriesMax times), so the server can return the original result instead of trading
 * twice.
 */
import { createRng, type Rng } from '../common/rng.js';
import { OpF } from './history.js';

export interface WorkloadOptions {
  seed: number;
  processes: number;
  keys: readonly string[];
  /** Trade quantities are uniform in 1..qtyMax. */
  qtyMax: number;
  /** Relative weights of the op kinds. */
  weights: { buy: number; sell: number; read: number; readOrder: number };
  /** Retries of one indeterminate trade (same idempotency key) before moving on. */
  retriesMax: number;
  /** Prefix of idempotency keys, unique per run (e.g. the run name) so runs never collide. */
  keyPrefix: string;
}

export const DEFAULT_WEIGHTS: WorkloadOptions['weights'] = { buy: 3, sell: 3, read: 3, readOrder: 1 };

export type TradeRequest = { f: typeof OpF.Buy | typeof OpF.Sell; key: string; qty: number; idempotencyKey: string; attempt: number };
export type ReadRequest = { f: typeof OpF.Read; key: string };
export type ReadOrderRequest = { f: typeof OpF.ReadOrder; tx: number };
export type Request = TradeRequest | ReadRequest | ReadOrderRequest;

/** What the runner tells a process's generator about its last op. */
export type LastOutcome = { request: Request; type: 'ok' | 'fail' | 'info' } | null;

export function validateWorkloadOptions(o: WorkloadOptions): void {
  const int = (name: string, v: number, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) throw new Error(`workload: ${name} must be an integer >= ${min}, got ${v}`);
  };
  int('seed', o.seed, 0);
  int('processes', o.processes, 1);
  int('qtyMax', o.qtyMax, 1);
  int('retriesMax', o.retriesMax, 0);
  if (o.keys.length === 0) throw new Error('workload: keys must not be empty');
  if (new Set(o.keys).size !== o.keys.length) throw new Error('workload: keys must be distinct');
  const w = Object.entries(o.weights);
  if (w.some(([, v]) => !(Number.isFinite(v) && v >= 0)) || w.every(([, v]) => v === 0)) {
    throw new Error('workload: weights must be >= 0 with at least one > 0');
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.keyPrefix)) throw new Error('workload: keyPrefix must be 1..64 of [A-Za-z0-9._-]');
}

/** One process's op stream. `known` lists acknowledged transaction numbers (for read-order). */
export class ProcessGenerator {
  private tradesIssued = 0;

  constructor(
    private readonly process: number,
    private readonly rng: Rng,
    private readonly o: WorkloadOptions,
  ) {}

  next(last: LastOutcome, known: readonly number[]): Request {
    const retry = this.retryOf(last);
    if (retry) return retry;
    const { buy, sell, read, readOrder } = this.o.weights;
    const orderWeight = known.length > 0 ? readOrder : 0;
    let x = this.rng.float() * (buy + sell + read + orderWeight);
    const key = this.rng.pick(this.o.keys);
    if ((x -= buy) < 0) return this.trade(OpF.Buy, key);
    if ((x -= sell) < 0) return this.trade(OpF.Sell, key);
    if ((x -= read) < 0 || orderWeight === 0) return { f: OpF.Read, key };
    return { f: OpF.ReadOrder, tx: this.rng.pick(known) };
  }

  private retryOf(last: LastOutcome): TradeRequest | null {
    if (!last || last.type !== 'info' || (last.request.f !== OpF.Buy && last.request.f !== OpF.Sell)) return null;
    if (last.request.attempt >= this.o.retriesMax) return null;
    return { ...last.request, attempt: last.request.attempt + 1 };
  }

  private trade(f: TradeRequest['f'], key: string): TradeRequest {
    this.tradesIssued++;
    const qty = this.rng.int(1, this.o.qtyMax + 1);
    return { f, key, qty, idempotencyKey: `${this.o.keyPrefix}-p${this.process}-${this.tradesIssued}`, attempt: 0 };
  }
}

/** One generator per process, each on its own stream forked from the seed. */
export function createWorkload(o: WorkloadOptions): ProcessGenerator[] {
  validateWorkloadOptions(o);
  const root = createRng(o.seed);
  return Array.from({ length: o.processes }, (_, p) => new ProcessGenerator(p, root.fork(), o));
}

// ---------------------------------------------------------------------------------------------
// Nemesis schedule

export const FaultKind = {
  Partition: 'partition',
  Kill: 'kill',
  Pause: 'pause',
  Redis: 'redis',
  Exchange: 'exchange',
  /** Remove a member (at times the leader), then add a fresh node as learner and promote it. */
  Membership: 'membership',
  /**
   * Restart a node with its clock at another rate (faketime), make it the leader, then isolate
   * it from the others: probes the lease assumption (clock rates differ by less than 20%).
   */
  Clock: 'clock',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];
export const ALL_FAULTS: readonly FaultKind[] = Object.values(FaultKind);

export const PartitionShape = { RandomHalves: 'random-halves', IsolateLeader: 'isolate-leader', MajoritiesRing: 'majorities-ring', OneWay: 'one-way' } as const;
export type PartitionShape = (typeof PartitionShape)[keyof typeof PartitionShape];

/** A concrete fault; node targets are resolved by the nemesis at run time ('leader' or random). */
export type Fault =
  | { kind: 'partition'; shape: PartitionShape; seed: number }
  | { kind: 'kill'; target: 'leader' | 'random'; seed: number }
  | { kind: 'pause'; target: 'leader' | 'random'; seed: number }
  | { kind: 'redis' }
  | { kind: 'exchange'; mode: 'down' | 'latency' | 'errors' | 'stale'; seed: number }
  | { kind: 'membership'; seed: number }
  | { kind: 'clock'; rate: number; seed: number };

export interface ScheduledEvent {
  /** Milliseconds since the workload started. */
  atMs: number;
  action: 'start' | 'stop';
  fault: Fault;
}

export interface NemesisScheduleOptions {
  seed: number;
  faults: readonly FaultKind[];
  /** Workload length; every fault stops at or before this. */
  timeLimitMs: number;
  /** Quiet time between a heal and the next fault. */
  quietMs: { min: number; max: number };
  /** How long one fault lasts. */
  faultMs: { min: number; max: number };
  /** Clock rates the clock fault draws from (default CLOCK_RATES_IN_BOUND). */
  clockRates?: readonly number[];
}

/** Clock rates inside the lease assumption (rates differ by less than 20%): must stay valid. */
export const CLOCK_RATES_IN_BOUND: readonly number[] = [0.9, 1.1];

export function validateScheduleOptions(o: NemesisScheduleOptions): void {
  const range = (name: string, r: { min: number; max: number }): void => {
    if (!(Number.isSafeInteger(r.min) && Number.isSafeInteger(r.max) && r.min >= 0 && r.max >= r.min)) {
      throw new Error(`nemesis schedule: ${name} must be integers with 0 <= min <= max, got ${r.min}..${r.max}`);
    }
  };
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error(`nemesis schedule: seed must be an integer >= 0, got ${o.seed}`);
  if (!Number.isSafeInteger(o.timeLimitMs) || o.timeLimitMs < 1) throw new Error(`nemesis schedule: timeLimitMs must be an integer >= 1, got ${o.timeLimitMs}`);
  range('quietMs', o.quietMs);
  range('faultMs', o.faultMs);
  if (o.faultMs.min < 1) throw new Error('nemesis schedule: faultMs.min must be >= 1');
  for (const f of o.faults) if (!ALL_FAULTS.includes(f)) throw new Error(`nemesis schedule: unknown fault "${f}" (known: ${ALL_FAULTS.join(', ')})`);
  const rates = o.clockRates ?? CLOCK_RATES_IN_BOUND;
  if (rates.length === 0 || rates.some((r) => !(Number.isFinite(r) && r > 0))) throw new Error(`nemesis schedule: clockRates must be numbers > 0, got ${rates.join(',')}`);
}

function drawFault(kind: FaultKind, rng: Rng, clockRates: readonly number[]): Fault {
  const seed = rng.nextU32();
  switch (kind) {
    case FaultKind.Partition:
      return { kind, shape: rng.pick(Object.values(PartitionShape)), seed };
    case FaultKind.Kill:
    case FaultKind.Pause:
      return { kind, target: rng.chance(0.5) ? 'leader' : 'random', seed };
    case FaultKind.Redis:
      return { kind };
    case FaultKind.Exchange:
      return { kind, mode: rng.pick(['down', 'latency', 'errors', 'stale'] as const), seed };
    case FaultKind.Membership:
      return { kind, seed };
    case FaultKind.Clock:
      return { kind, rate: rng.pick(clockRates), seed };
  }
}

/**
 * Alternating quiet and fault windows over the time limit, one fault at a time: each start is
 * followed by its stop, and every stop is at or before timeLimitMs (a fault that would not fit
 * is cut short), so the final phase always begins healed. No faults -> empty schedule.
 */
export function nemesisSchedule(o: NemesisScheduleOptions): ScheduledEvent[] {
  validateScheduleOptions(o);
  if (o.faults.length === 0) return [];
  const rng = createRng(o.seed);
  const events: ScheduledEvent[] = [];
  let t = rng.int(o.quietMs.min, o.quietMs.max + 1);
  while (t < o.timeLimitMs) {
    const fault = drawFault(rng.pick(o.faults), rng, o.clockRates ?? CLOCK_RATES_IN_BOUND);
    const stopAt = Math.min(o.timeLimitMs, t + rng.int(o.faultMs.min, o.faultMs.max + 1));
    events.push({ atMs: t, action: 'start', fault }, { atMs: stopAt, action: 'stop', fault });
    t = stopAt + rng.int(o.quietMs.min, o.quietMs.max + 1);
  }
  return events;
}
