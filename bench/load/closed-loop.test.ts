import { describe, expect, it } from 'vitest';
import { ERROR_PAUSE_MS, ERROR_PAUSE_MS_MAX, errorPauseMs } from './closed-loop.js';

describe('a virtual user pausing after network errors', () => {
  it('doubles the pause with each error in a row, up to the cap, and never overflows', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(errorPauseMs)).toEqual([5, 10, 20, 40, 80, 80, 80]);
    expect(errorPauseMs(1)).toBe(ERROR_PAUSE_MS);
    expect(errorPauseMs(10_000)).toBe(ERROR_PAUSE_MS_MAX);
  });
});
