import { describe, expect, it } from 'vitest';
import type { Fault, ScheduledEvent } from './generator.js';
import type { Client, FaultRecord, Nemesis } from './interfaces.js';
import { runNemesis } from './nemesis-loop.js';
import { RunContext, type Clock } from './run-context.js';

/** A clock that only moves when someone sleeps or a fault takes time. */
function manualClock(): Clock & { advance(ms: number): void } {
  let nowMs = 0;
  return {
    nowNs: () => nowMs * 1e6,
    sleep: (ms) => {
      nowMs += Math.max(0, ms);
      return Promise.resolve();
    },
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

describe('runNemesis', () => {
  it('skips a fault whose window passed while an earlier, slow fault ran, and records it', async () => {
    const clock = manualClock();
    const calls: string[] = [];
    const nemesis: Nemesis = {
      invoke: (f: Fault): Promise<FaultRecord> => {
        calls.push(`start ${f.kind}`);
        clock.advance(f.kind === 'clock' ? 10_000 : 0); // a restart under faketime takes long
        return Promise.resolve({ f: f.kind, detail: {} });
      },
      stop: (f: Fault) => (calls.push(`stop ${f.kind}`), Promise.resolve({ f: f.kind, detail: {} })),
      heal: () => Promise.resolve({ f: 'heal', detail: {} }),
    };
    const slow: Fault = { kind: 'clock', rate: 0.9, seed: 1 };
    const late: Fault = { kind: 'kill', target: 'random', seed: 2 };
    const onTime: Fault = { kind: 'pause', target: 'random', seed: 3 };
    const schedule: ScheduledEvent[] = [
      { atMs: 1_000, action: 'start', fault: slow },
      { atMs: 3_000, action: 'stop', fault: slow },
      { atMs: 5_000, action: 'start', fault: late },
      { atMs: 8_000, action: 'stop', fault: late },
      { atMs: 20_000, action: 'start', fault: onTime },
      { atMs: 22_000, action: 'stop', fault: onTime },
    ];
    const ctx = new RunContext(clock, {} as Client, () => undefined);
    await runNemesis(ctx, nemesis, schedule, 0);
    expect(calls).toEqual(['start clock', 'stop clock', 'start pause', 'stop pause']);
    const lines = ctx.recorder.snapshot().map((op) => [op.f, (op.value as { action: string }).action]);
    expect(lines).toEqual([['clock', 'start'], ['clock', 'stop'], ['kill', 'skipped'], ['pause', 'start'], ['pause', 'stop']]);
  });
});
