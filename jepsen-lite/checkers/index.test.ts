import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../testing/history-builder.js';
import { EXIT_CODE_BY_VERDICT, checkHistory, formatReport } from './index.js';

/** A complete small run: workload with a retried trade, heal, final read-backs and reads. */
function run(finalQuantity: number, tx2: number) {
  return new HistoryBuilder()
    .phase('workload')
    .buy(0, 'aapl', 10, 'k1', 'n1').filled(0, 1)
    .sell(1, 'aapl', 4, 'k2', 'n2').info(1)
    .read(2, 'aapl', 'n3').readOk(2, 94)
    .nemesis('partition', { action: 'start' })
    .nemesis('partition', { action: 'stop' })
    .phase('heal')
    .phase('recover')
    .phase('final')
    .sell(1, 'aapl', 4, 'k2', 'n1').filled(1, tx2)
    .readOrder(0, 1).orderOk(0, 'aapl', 'BUY', 10)
    .readOrder(0, 2).orderOk(0, 'aapl', 'SELL', 4)
    .read(0, 'aapl', 'n1').readOk(0, finalQuantity)
    .read(0, 'aapl', 'n2').readOk(0, finalQuantity)
    .build();
}

const opts = { initialQuantities: { aapl: 100 }, nodes: ['n1', 'n2'] };

describe('composed check', () => {
  it('is valid when every checker is, and maps verdicts to exit codes', () => {
    const report = checkHistory(run(94, 2), opts);
    expect(report.checkers.map((c) => [c.checker, c.verdict])).toEqual([
      ['linearizable', 'valid'],
      ['orders', 'valid'],
      ['exactly-once', 'valid'],
      ['final-state', 'valid'],
      ['availability', 'valid'],
    ]);
    expect(report.verdict).toBe('valid');
    expect(EXIT_CODE_BY_VERDICT[report.verdict]).toBe(0);
    expect(formatReport(report)).toMatch(/^verdict: valid\n/);
  });

  it('is invalid when one checker finds a violation (lost write in the final state)', () => {
    const report = checkHistory(run(90, 2), opts);
    expect(report.verdict).toBe('invalid');
    expect(EXIT_CODE_BY_VERDICT[report.verdict]).toBe(1);
    expect(report.checkers.find((c) => c.checker === 'final-state')?.verdict).toBe('invalid');
  });

  it('is invalid when the retry got a different number than the one read back (duplicate)', () => {
    const report = checkHistory(run(94, 1), opts);
    expect(report.verdict).toBe('invalid');
    expect(report.checkers.find((c) => c.checker === 'orders')?.verdict).toBe('invalid');
  });

  it('is unknown when the linearizability budget is too small, and never valid then', () => {
    const report = checkHistory(run(94, 2), { ...opts, linearizable: { stepsMaxPerKey: 1 } });
    expect(report.verdict).toBe('unknown');
    expect(EXIT_CODE_BY_VERDICT[report.verdict]).toBe(2);
  });
});
