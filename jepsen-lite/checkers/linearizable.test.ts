import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../common/rng.js';
import type { ClientOp, HistoryOp } from '../history.js';
import { HistoryBuilder } from '../testing/history-builder.js';
import { simulateHistory } from '../testing/concurrent-sim.js';
import { DEFAULT_LINEARIZABLE_OPTIONS, checkLinearizable, type LinearizableOptions } from './linearizable.js';
import { ModelOpKind, pointState, stepModel, type QuantityState } from './quantity-model.js';
import { searchLinearization, type LinOp } from './wgl.js';

const opts = (initial: Record<string, number>, over: Partial<LinearizableOptions> = {}): LinearizableOptions => ({
  ...DEFAULT_LINEARIZABLE_OPTIONS,
  initialQuantities: initial,
  ...over,
});

describe('linearizable checker: hand-written histories', () => {
  it('accepts a sequential valid history', () => {
    const h = new HistoryBuilder()
      .buy(0, 'aapl', 30).filled(0, 1)
      .read(0, 'aapl').readOk(0, 70)
      .sell(1, 'aapl', 5).filled(1, 2)
      .read(1, 'aapl').readOk(1, 75)
      .buy(0, 'aapl', 100).rejected(0)
      .build();
    const r = checkLinearizable(h, opts({ aapl: 100 }));
    expect(r.verdict).toBe('valid');
  });

  it('accepts concurrent overlapping ops that are linearizable only in a non-invoke order', () => {
    // p0's buy and p1's read overlap; the read saw the buy. p2's read overlaps both and saw the old value.
    const h = new HistoryBuilder()
      .buy(0, 'aapl', 10)
      .read(1, 'aapl')
      .read(2, 'aapl')
      .readOk(1, 90)
      .filled(0, 1)
      .readOk(2, 100)
      .build();
    expect(checkLinearizable(h, opts({ aapl: 100 })).verdict).toBe('valid');
  });

  it('rejects a stale read (reads the old value after the write was acknowledged)', () => {
    const h = new HistoryBuilder()
      .buy(0, 'aapl', 10).filled(0, 1)
      .read(1, 'aapl').readOk(1, 100)
      .build();
    const r = checkLinearizable(h, opts({ aapl: 100 }));
    expect(r.verdict).toBe('invalid');
    expect(r.highlight.length).toBeGreaterThan(0);
  });

  it('rejects a lost write (a later read misses an acknowledged sell)', () => {
    const h = new HistoryBuilder()
      .sell(0, 'aapl', 7).filled(0, 1)
      .read(1, 'aapl').readOk(1, 107)
      .buy(0, 'aapl', 1).filled(0, 2)
      .read(1, 'aapl').readOk(1, 99)
      .build();
    expect(checkLinearizable(h, opts({ aapl: 100 })).verdict).toBe('invalid');
  });

  it('accepts an info trade that took effect and one that did not', () => {
    const took = new HistoryBuilder()
      .sell(0, 'aapl', 5).info(0)
      .read(1, 'aapl').readOk(1, 105)
      .build();
    const didNot = new HistoryBuilder()
      .sell(0, 'aapl', 5).info(0)
      .read(1, 'aapl').readOk(1, 100)
      .read(1, 'aapl').readOk(1, 105)
      .build();
    expect(checkLinearizable(took, opts({ aapl: 100 })).verdict).toBe('valid');
    expect(checkLinearizable(didNot, opts({ aapl: 100 })).verdict).toBe('valid');
  });

  it('rejects an info trade observed as taking effect twice, and a value it could never produce', () => {
    const twice = new HistoryBuilder()
      .sell(0, 'aapl', 5).info(0)
      .read(1, 'aapl').readOk(1, 110)
      .build();
    expect(checkLinearizable(twice, opts({ aapl: 100 })).verdict).toBe('invalid');
    const flicker = new HistoryBuilder()
      .sell(0, 'aapl', 5).info(0)
      .read(1, 'aapl').readOk(1, 105)
      .read(1, 'aapl').readOk(1, 100)
      .build();
    expect(checkLinearizable(flicker, opts({ aapl: 100 })).verdict).toBe('invalid');
  });

  it('treats a retry with the same idempotency key as one execution from the first attempt on', () => {
    const h = new HistoryBuilder()
      .sell(0, 'aapl', 5, 'k1').info(0)
      .read(1, 'aapl').readOk(1, 105)
      .sell(0, 'aapl', 5, 'k1').filled(0, 1)
      .read(1, 'aapl').readOk(1, 105)
      .build();
    expect(checkLinearizable(h, opts({ aapl: 100 })).verdict).toBe('valid');
  });

  it('rejects a filled buy the quantity could not cover and a rejected buy it could', () => {
    const overfill = new HistoryBuilder().buy(0, 'aapl', 101).filled(0, 1).build();
    const wrongReject = new HistoryBuilder().buy(0, 'aapl', 100).rejected(0).build();
    expect(checkLinearizable(overfill, opts({ aapl: 100 })).verdict).toBe('invalid');
    expect(checkLinearizable(wrongReject, opts({ aapl: 100 })).verdict).toBe('invalid');
  });

  it('checks each stock independently and ignores failed ops', () => {
    const h = new HistoryBuilder()
      .buy(0, 'aapl', 10).fail(0)
      .buy(1, 'msft', 10).filled(1, 1)
      .read(0, 'aapl').readOk(0, 100)
      .read(0, 'msft').readOk(0, 90)
      .build();
    const r = checkLinearizable(h, opts({ aapl: 100, msft: 100 }));
    expect(r.verdict).toBe('valid');
    const bad = checkLinearizable(h, opts({ aapl: 100, msft: 50 }));
    expect(bad.verdict).toBe('invalid');
    expect(bad.summary).toContain('msft');
    expect(bad.summary).not.toContain('aapl');
  });

  it('with txOrder, narrows windows by transaction numbers (a later number cannot take effect first)', () => {
    // Without numbers: sell 5 took effect before the read saw 105. With numbers, the sell 5 (tx 2)
    // comes after the sell 3 (tx 1), which was invoked after the read completed: 105 is impossible.
    const h = (txFive: number, txThree: number) =>
      new HistoryBuilder()
        .sell(0, 'aapl', 5)
        .read(2, 'aapl').readOk(2, 105)
        .sell(1, 'aapl', 3).filled(1, txThree)
        .filled(0, txFive)
        .build();
    expect(checkLinearizable(h(2, 1), opts({ aapl: 100 }, { txOrder: false })).verdict).toBe('valid');
    expect(checkLinearizable(h(2, 1), opts({ aapl: 100 }, { txOrder: true })).verdict).toBe('invalid');
    expect(checkLinearizable(h(1, 2), opts({ aapl: 100 }, { txOrder: true })).verdict).toBe('valid');
  });

  it('reports unknown when the initial quantity of a stock is not known', () => {
    const h = new HistoryBuilder().read(0, 'aapl').readOk(0, 1).build();
    expect(checkLinearizable(h, opts({})).verdict).toBe('unknown');
  });

  it('shrinks a violation in a long history to a small window around it', () => {
    const { history } = simulateHistory({ seed: 7, processes: 5, opsCount: 400, keys: ['aapl'], initialQuantity: 100, qtyMax: 5, infoProbability: 0 });
    const h = corruptReadAt(history.build(), 0.6, 10_000);
    expect(h).not.toBeNull();
    const r = checkLinearizable(h as HistoryOp[], opts({ aapl: 100 }));
    expect(r.verdict).toBe('invalid');
    const keys = r.details['keys'] as { window?: { size: number; startQuantity: string } }[];
    const size = keys[0]?.window?.size ?? Infinity;
    expect(size).toBeLessThan(20);
  });
});

describe('linearizable checker: budget', () => {
  it('reports unknown when the step budget is tiny on a big history', () => {
    const { history } = simulateHistory({ seed: 3, processes: 10, opsCount: 2000, keys: ['aapl'], initialQuantity: 100, qtyMax: 5, infoProbability: 0.1 });
    const r = checkLinearizable(history.build(), opts({ aapl: 100 }, { stepsMaxPerKey: 50 }));
    expect(r.verdict).toBe('unknown');
    expect(r.summary).toContain('budget');
  });
});

/** Replaces the read at ~fraction of the history with an impossible quantity; null if none. */
function corruptReadAt(h: HistoryOp[], fraction: number, impossible: number): HistoryOp[] | null {
  const reads = h.filter((op): op is ClientOp => op.process !== 'nemesis' && op.f === 'read' && op.type === 'ok');
  const target = reads[Math.floor(reads.length * fraction)];
  if (!target) return null;
  return h.map((op) => (op === target ? { ...target, value: { quantity: impossible } } : op));
}

describe('linearizable checker: properties', () => {
  const simArb = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    processes: fc.integer({ min: 1, max: 8 }),
    opsCount: fc.integer({ min: 1, max: 150 }),
    infoProbability: fc.constantFrom(0, 0.1, 0.3),
    resolveLate: fc.boolean(),
  });

  it('judges histories of a real model under random concurrency linearizable', () => {
    fc.assert(
      fc.property(simArb, (s) => {
        const { history } = simulateHistory({ ...s, keys: ['a', 'b'], initialQuantity: 20, qtyMax: 8 });
        const r = checkLinearizable(history.build(), opts({ a: 20, b: 20 }));
        expect(r.verdict, `seed ${s.seed}`).toBe('valid');
      }),
      { numRuns: 150 },
    );
  });

  it('judges the same histories with one read corrupted to an unreachable value non-linearizable', () => {
    fc.assert(
      fc.property(simArb, fc.double({ min: 0, max: 0.999, noNaN: true }), (s, where) => {
        const { history, sellTotals } = simulateHistory({ ...s, keys: ['a', 'b'], initialQuantity: 20, qtyMax: 8 });
        const reachableMax = 20 + Math.max(...sellTotals.values());
        const h = corruptReadAt(history.build(), where, reachableMax + 1);
        fc.pre(h !== null);
        const r = checkLinearizable(h as HistoryOp[], opts({ a: 20, b: 20 }));
        expect(r.verdict, `seed ${s.seed}`).toBe('invalid');
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with a brute-force search on small random (mostly invalid) histories', () => {
    const seed = Date.now() % 1_000_000;
    const rng = createRng(seed);
    let valid = 0;
    for (let run = 0; run < 1500; run++) {
      const ops = randomLinOps(rng, rng.int(1, 8));
      const init = pointState(rng.int(0, 6));
      const budget = { stepsMax: 1_000_000, deadlineMs: Infinity, memoEntriesMax: 1_000_000 };
      const wgl = searchLinearization(ops, init, budget).verdict;
      const brute = bruteForce(ops, init) ? 'valid' : 'invalid';
      if (brute === 'valid') valid++;
      expect(wgl, `seed ${seed} run ${run}: ${JSON.stringify(ops)}`).toBe(brute);
    }
    expect(valid).toBeGreaterThan(100);
    expect(valid).toBeLessThan(1400);
  });
});

function randomLinOps(rng: ReturnType<typeof createRng>, n: number): LinOp[] {
  const ops: LinOp[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const call = t + rng.int(0, 3);
    t = call + 1;
    const kind = rng.pick(Object.values(ModelOpKind));
    const required = kind === ModelOpKind.BuyUnknown ? false : kind === ModelOpKind.Sell ? rng.chance(0.6) : true;
    ops.push({ call, ret: required ? call + rng.int(1, 6) + 0.5 : Infinity, op: { kind, amount: rng.int(kind === 'read' ? 0 : 1, 6) }, required });
  }
  return ops;
}

/** Tries every order that respects real time, with optional ops in or out. */
function bruteForce(ops: readonly LinOp[], init: QuantityState): boolean {
  const done = new Array<boolean>(ops.length).fill(false);
  const rec = (state: QuantityState, remainingRequired: number): boolean => {
    if (remainingRequired === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      if (done[i]) continue;
      const oi = ops[i] as LinOp;
      // i can go next only if no other pending required op returned before i was called.
      const blocked = ops.some((oj, j) => !done[j] && j !== i && oj.required && oj.ret < oi.call);
      if (blocked) continue;
      const next = stepModel(state, oi.op);
      if (next === null) continue;
      done[i] = true;
      const ok = rec(next, remainingRequired - (oi.required ? 1 : 0));
      done[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return rec(init, ops.filter((o) => o.required).length);
}
