import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_FAULTS, DEFAULT_WEIGHTS, createWorkload, nemesisSchedule, type LastOutcome, type Request, type TradeRequest, type WorkloadOptions } from './generator.js';

const workload = (over: Partial<WorkloadOptions> = {}): WorkloadOptions => ({
  seed: 42,
  processes: 4,
  keys: ['aapl', 'msft', 'goog'],
  qtyMax: 5,
  weights: DEFAULT_WEIGHTS,
  retriesMax: 2,
  keyPrefix: 'run1',
  ...over,
});

function drive(o: WorkloadOptions, steps: number, outcome: (r: Request) => 'ok' | 'fail' | 'info'): Request[] {
  const gens = createWorkload(o);
  const last: LastOutcome[] = gens.map(() => null);
  const out: Request[] = [];
  for (let i = 0; i < steps; i++) {
    const p = i % gens.length;
    const req = (gens[p] as (typeof gens)[number]).next(last[p] as LastOutcome, [1, 2, 3]);
    out.push(req);
    last[p] = { request: req, type: outcome(req) };
  }
  return out;
}

describe('workload generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = drive(workload(), 200, () => 'ok');
    expect(drive(workload(), 200, () => 'ok')).toEqual(a);
    expect(drive(workload({ seed: 43 }), 200, () => 'ok')).not.toEqual(a);
  });

  it('mixes every op kind over the keys with quantities in range and unique idempotency keys', () => {
    const reqs = drive(workload(), 2000, () => 'ok');
    const kinds = new Set(reqs.map((r) => r.f));
    expect([...kinds].sort()).toEqual(['buy', 'read', 'read-order', 'sell']);
    const trades = reqs.filter((r): r is TradeRequest => r.f === 'buy' || r.f === 'sell');
    expect(trades.every((t) => t.qty >= 1 && t.qty <= 5 && ['aapl', 'msft', 'goog'].includes(t.key))).toBe(true);
    expect(new Set(trades.map((t) => t.idempotencyKey)).size).toBe(trades.length);
    expect(trades.every((t) => t.idempotencyKey.startsWith('run1-p'))).toBe(true);
  });

  it('retries an indeterminate trade with the same idempotency key, at most retriesMax times', () => {
    const reqs = drive(workload({ processes: 1 }), 300, (r) => (r.f === 'buy' || r.f === 'sell' ? 'info' : 'ok'));
    const byKey = new Map<string, number>();
    for (const r of reqs) if (r.f === 'buy' || r.f === 'sell') byKey.set(r.idempotencyKey, (byKey.get(r.idempotencyKey) ?? 0) + 1);
    const counts = [...byKey.values()];
    expect(Math.max(...counts)).toBe(3);
    expect(counts.filter((c) => c === 3).length).toBeGreaterThan(10);
  });

  it('never asks for read-order before any transaction is known', () => {
    const gens = createWorkload(workload({ weights: { buy: 0, sell: 0, read: 0, readOrder: 1 } }));
    expect(gens[0]?.next(null, []).f).toBe('read');
    expect(gens[0]?.next(null, [7])).toEqual({ f: 'read-order', tx: 7 });
  });

  it('rejects bad options with precise messages', () => {
    expect(() => createWorkload(workload({ processes: 0 }))).toThrow(/processes must be an integer >= 1/);
    expect(() => createWorkload(workload({ keys: [] }))).toThrow(/keys must not be empty/);
    expect(() => createWorkload(workload({ keyPrefix: 'has space' }))).toThrow(/keyPrefix/);
  });
});

describe('nemesis schedule', () => {
  it('alternates start/stop of one fault at a time and heals everything by the time limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.subarray([...ALL_FAULTS], { minLength: 1 }),
        (seed, timeLimitMs, faults) => {
          const events = nemesisSchedule({ seed, faults, timeLimitMs, quietMs: { min: 0, max: 5000 }, faultMs: { min: 1, max: 20_000 } });
          events.forEach((e, i) => {
            expect(e.action).toBe(i % 2 === 0 ? 'start' : 'stop');
            expect(faults).toContain(e.fault.kind);
            expect(e.atMs).toBeLessThanOrEqual(timeLimitMs);
            if (i > 0) expect(e.atMs).toBeGreaterThanOrEqual((events[i - 1] as (typeof events)[number]).atMs);
            if (i % 2 === 1) expect(e.fault).toBe((events[i - 1] as (typeof events)[number]).fault);
          });
          expect(events.length % 2).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic, covers the chosen fault kinds, and is empty without faults', () => {
    const o = { seed: 9, faults: ALL_FAULTS, timeLimitMs: 600_000, quietMs: { min: 1000, max: 3000 }, faultMs: { min: 2000, max: 8000 } };
    const a = nemesisSchedule(o);
    expect(nemesisSchedule(o)).toEqual(a);
    expect(new Set(a.map((e) => e.fault.kind))).toEqual(new Set(ALL_FAULTS));
    expect(nemesisSchedule({ ...o, faults: [] })).toEqual([]);
    expect(() => nemesisSchedule({ ...o, faults: ['flood' as never] })).toThrow(/unknown fault "flood"/);
  });
});
