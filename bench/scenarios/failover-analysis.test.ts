import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../load/types.js';
import { recoveries, recoverySummary } from './failover-analysis.js';

const ack = (sentAtMs: number, doneAtMs: number, tag = 'trade'): TimelineEntry => ({ tag, origin: 0, sentAtMs, doneAtMs });

describe('failover recoveries', () => {
  it('measures kill -> first ack of a trade sent after the kill, ignoring earlier sends and other tags', () => {
    const kills = [
      { nodeId: 'n1', killedAtMs: 1000 },
      { nodeId: 'n2', killedAtMs: 5000 },
      { nodeId: 'n3', killedAtMs: 9000 },
    ];
    const timeline = [
      ack(990, 1001), // sent before kill 1: could have been committed by the old leader
      ack(1200, 1650), // first after kill 1 by send time...
      ack(1100, 1400), // ...but this one, sent later than the kill, was acked first
      ack(1050, 1300, 'lookup'),
      ack(5100, 5900),
      // kill 3: nothing acknowledged afterwards
    ];
    const list = recoveries(kills, timeline, 'trade');
    expect(list.map((r) => r.recoveryMs)).toEqual([400, 900, null]);
    const { summary, unrecovered } = recoverySummary(list);
    expect(unrecovered).toBe(1);
    expect(summary.count).toBe(2);
    expect(summary.maxMs).toBeCloseTo(900, 0);
  });

  it('does not credit a kill with an ack of a trade sent after the next kill', () => {
    const list = recoveries([{ nodeId: 'n1', killedAtMs: 0 }, { nodeId: 'n2', killedAtMs: 100 }], [ack(150, 160)], 'trade');
    expect(list.map((r) => r.recoveryMs)).toEqual([null, 60]);
  });
});
