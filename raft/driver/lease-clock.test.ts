import { describe, expect, it } from 'vitest';
import { LeaseClock } from './lease-clock.js';

describe('LeaseClock', () => {
  it('holds for (electionTimeoutTicks - 1) ticks less the drift margin, from the tick before the round', () => {
    const clock = new LeaseClock(10, 50, 0.2, 1_000);
    expect(clock.durationMs).toBe(360);
    clock.beforeTick(1_050); // tick 1
    expect(clock.holds(1, 1_050 + 359)).toBe(true);
    expect(clock.holds(1, 1_050 + 360)).toBe(false);
    expect(clock.holds(0, 1_000 + 100)).toBe(true);
  });

  it('never holds without a confirmed round, for a tick it never saw, or once the tick is forgotten', () => {
    const clock = new LeaseClock(10, 50, 0.2, 0);
    expect(clock.holds(-1, 0)).toBe(false);
    expect(clock.holds(5, 0)).toBe(false);
    for (let i = 1; i <= 45; i++) clock.beforeTick(i);
    expect(clock.holds(2, 46)).toBe(false); // slot reused by tick 42
    expect(clock.holds(45, 46)).toBe(true);
  });

  it('is off when the election timeout leaves no room, and refuses a bad drift margin', () => {
    expect(new LeaseClock(1, 50, 0, 0).holds(0, 0)).toBe(false);
    expect(() => new LeaseClock(10, 50, 1, 0)).toThrow(/driftFraction/);
  });
});
