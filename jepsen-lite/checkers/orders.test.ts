import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../testing/history-builder.js';
import { checkOrders } from './orders.js';

const check = (b: HistoryBuilder, requireReadBack = true) => checkOrders(b.build(), { requireReadBack, txFloor: 0 });
const kinds = (r: ReturnType<typeof checkOrders>): string[] => (r.details['problems'] as { kind: string }[]).map((p) => p.kind);

describe('orders checker', () => {
  it('accepts trades that read back with the same stock, type and quantity', () => {
    const b = new HistoryBuilder()
      .buy(0, 'aapl', 3).filled(0, 1)
      .sell(1, 'MSFT', 2).filled(1, 2)
      .readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 3)
      .readOrder(0, 2).orderOk(0, 'msft', 'SELL', 2);
    const r = check(b);
    expect(r.verdict).toBe('valid');
    expect(r.details['readBack']).toBe(2);
  });

  it('flags a transaction number given to two different trades', () => {
    const b = new HistoryBuilder()
      .buy(0, 'aapl', 3).filled(0, 1)
      .sell(1, 'aapl', 2).filled(1, 1)
      .readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 3);
    const r = check(b);
    expect(r.verdict).toBe('invalid');
    expect(kinds(r)).toContain('duplicate-tx');
  });

  it('does not flag a retry with the same idempotency key returning the same number', () => {
    const b = new HistoryBuilder()
      .buy(0, 'aapl', 3, 'k1').info(0)
      .buy(0, 'aapl', 3, 'k1').filled(0, 1)
      .readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 3);
    expect(check(b).verdict).toBe('valid');
  });

  it('flags an acknowledged trade that reads back different or not at all (lost)', () => {
    const mismatch = new HistoryBuilder().buy(0, 'aapl', 3).filled(0, 1).readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 4);
    expect(kinds(check(mismatch))).toEqual(['mismatch']);
    const lost = new HistoryBuilder().buy(0, 'aapl', 3).filled(0, 1).readOrder(0, 1).orderMissing(0);
    expect(kinds(check(lost))).toContain('lost');
  });

  it('allows a not-found read concurrent with the trade that gets the number', () => {
    const b = new HistoryBuilder()
      .buy(0, 'aapl', 3)
      .readOrder(1, 1).orderMissing(1)
      .filled(0, 1)
      .readOrder(1, 1).orderOk(1, 'aapl', 'BUY', 3);
    expect(check(b).verdict).toBe('valid');
  });

  it('flags a non-dense numbering with no indeterminate trade', () => {
    const b = new HistoryBuilder()
      .buy(0, 'aapl', 3).filled(0, 1)
      .buy(0, 'aapl', 3).filled(0, 3)
      .readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 3)
      .readOrder(0, 3).orderOk(0, 'aapl', 'BUY', 3);
    const r = check(b);
    expect(r.verdict).toBe('invalid');
    expect(kinds(r)).toEqual(['not-dense']);
  });

  it('accepts a gap that an indeterminate trade could have taken', () => {
    const b = new HistoryBuilder()
      .buy(0, 'aapl', 3).filled(0, 1)
      .sell(1, 'aapl', 9).info(1)
      .buy(0, 'aapl', 3).filled(0, 3)
      .readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 3)
      .readOrder(0, 3).orderOk(0, 'aapl', 'BUY', 3);
    expect(check(b).verdict).toBe('valid');
  });

  it('flags a number read as missing after a later number existed (hole)', () => {
    const b = new HistoryBuilder()
      .sell(1, 'aapl', 9).info(1)
      .buy(0, 'aapl', 3).filled(0, 2)
      .readOrder(0, 1).orderMissing(0)
      .readOrder(0, 2).orderOk(0, 'aapl', 'BUY', 3);
    expect(kinds(check(b))).toEqual(['hole']);
  });

  it('flags an order that matches only a failed request, and one matching nothing', () => {
    const failed = new HistoryBuilder().sell(1, 'aapl', 9).fail(1).readOrder(0, 1).orderOk(0, 'aapl', 'SELL', 9);
    expect(kinds(check(failed))).toEqual(['failed-trade-executed']);
    const phantom = new HistoryBuilder().readOrder(0, 1).orderOk(0, 'aapl', 'SELL', 9);
    expect(kinds(check(phantom))).toEqual(['phantom']);
    const fromInfo = new HistoryBuilder().sell(1, 'aapl', 9).info(1).readOrder(0, 1).orderOk(0, 'aapl', 'SELL', 9);
    expect(check(fromInfo).verdict).toBe('valid');
  });

  it('ignores numbers at or below txFloor (trades before this run) when judging density', () => {
    const b = () =>
      new HistoryBuilder()
        .readOrder(0, 2).orderOk(0, 'aapl', 'SELL', 1)
        .buy(0, 'aapl', 3).filled(0, 6)
        .readOrder(0, 6).orderOk(0, 'aapl', 'BUY', 3)
        .build();
    expect(checkOrders(b(), { requireReadBack: true, txFloor: 5 }).verdict).toBe('valid');
    expect(checkOrders(b(), { requireReadBack: true, txFloor: 0 }).verdict).toBe('invalid');
  });

  it('is unknown when an acknowledged trade is never read back (if read-back is required)', () => {
    const b = () => new HistoryBuilder().buy(0, 'aapl', 3).filled(0, 1);
    expect(check(b()).verdict).toBe('unknown');
    expect(check(b(), false).verdict).toBe('valid');
  });
});
