import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../testing/history-builder.js';
import { checkExactlyOnce } from './exactly-once.js';

const init = { initialQuantities: { aapl: 100 } };

describe('exactly-once checker', () => {
  it('accepts a retried key that returns the original result', () => {
    const b = new HistoryBuilder()
      .sell(0, 'aapl', 5, 'k1').info(0)
      .sell(0, 'aapl', 5, 'k1').filled(0, 1)
      .phase('final')
      .read(0, 'aapl', 'n1').readOk(0, 105);
    const r = checkExactlyOnce(b.build(), init);
    expect(r.verdict).toBe('valid');
    expect(r.details['retriedKeys']).toBe(1);
  });

  it('flags a retried key acknowledged with two different transaction numbers', () => {
    const b = new HistoryBuilder()
      .sell(0, 'aapl', 5, 'k1').filled(0, 1)
      .sell(0, 'aapl', 5, 'k1').filled(0, 2);
    const r = checkExactlyOnce(b.build(), init);
    expect(r.verdict).toBe('invalid');
    expect(r.summary).toContain('k1');
  });

  it('flags a final quantity that only a double execution of a retried key explains', () => {
    const b = new HistoryBuilder()
      .sell(0, 'aapl', 5, 'k1').info(0)
      .sell(0, 'aapl', 5, 'k1').filled(0, 1)
      .phase('final')
      .read(0, 'aapl', 'n1').readOk(0, 110);
    const r = checkExactlyOnce(b.build(), init);
    expect(r.verdict).toBe('invalid');
    expect(r.summary).toContain('executed twice');
  });

  it('does not blame exactly-once for a final quantity no double execution explains either', () => {
    const b = new HistoryBuilder()
      .sell(0, 'aapl', 5, 'k1').info(0)
      .sell(0, 'aapl', 5, 'k1').filled(0, 1)
      .phase('final')
      .read(0, 'aapl', 'n1').readOk(0, 111);
    expect(checkExactlyOnce(b.build(), init).verdict).toBe('valid');
  });

  it('flags one key accepted for two different requests', () => {
    const b = new HistoryBuilder()
      .sell(0, 'aapl', 5, 'k1').filled(0, 1)
      .sell(0, 'aapl', 6, 'k1').filled(0, 2);
    expect(checkExactlyOnce(b.build(), init).verdict).toBe('invalid');
  });
});
