import { describe, expect, it } from 'vitest';
import { OpenLoopSchedule } from './open-loop-schedule.js';

describe('OpenLoopSchedule', () => {
  it('hands out intended times at a fixed rate regardless of when the clock is read', () => {
    const s = new OpenLoopSchedule(1000, 100, 2000); // every 10 ms for 1 s
    expect(s.takeDue(999, 10)).toEqual([]);
    expect(s.takeDue(1000, 10)).toEqual([1000]);
    // a stalled caller waking late gets every missed slot at its original intended time
    expect(s.takeDue(1035, 10)).toEqual([1010, 1020, 1030]);
    expect(s.nextDueAt()).toBe(1040);
    expect(s.taken).toBe(4);
  });

  it('respects the batch bound and stops at the end time', () => {
    const s = new OpenLoopSchedule(0, 1000, 10); // 1 ms apart, 10 requests
    expect(s.takeDue(100, 4)).toEqual([0, 1, 2, 3]);
    expect(s.takeDue(100, 100)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(s.takeDue(1000, 100)).toEqual([]);
    expect(s.nextDueAt()).toBeNull();
  });

  it('rejects a non-positive rate or an empty window', () => {
    expect(() => new OpenLoopSchedule(0, 0, 10)).toThrow(/ratePerSec/);
    expect(() => new OpenLoopSchedule(5, 10, 5)).toThrow(/endMs/);
  });
});
