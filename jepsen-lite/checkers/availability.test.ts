import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../testing/history-builder.js';
import { checkAvailability } from './availability.js';

describe('availability checker', () => {
  it('splits ok fractions by fault state and finds the longest window without an ok write', () => {
    const b = new HistoryBuilder()
      .phase('workload') // line 0
      .sell(0, 'aapl', 1).filled(0, 1) // lines 1, 2
      .nemesis('partition', { action: 'start' }) // 3
      .sell(0, 'aapl', 1).info(0) // 4, 5
      .read(1, 'aapl').fail(1) // 6, 7
      .read(1, 'aapl').readOk(1, 101) // 8, 9
      .nemesis('partition', { action: 'stop' }) // 10
      .sell(0, 'aapl', 1).filled(0, 2) // 11, 12
      .phase('final'); // 13
    const r = checkAvailability(b.build());
    expect(r.verdict).toBe('valid');
    const d = r.details as { workloadFaulted: { ok: number; okFraction: number }; workloadClear: { ok: number; okFraction: number }; longestWithoutOkWriteMs: number };
    expect(d.workloadFaulted).toMatchObject({ ok: 1, okFraction: 0.3333 });
    expect(d.workloadClear).toMatchObject({ ok: 2, okFraction: 1 });
    // lines are 1 ms apart: last ok write at line 2, next at line 12.
    expect(d.longestWithoutOkWriteMs).toBe(10);
  });
});
