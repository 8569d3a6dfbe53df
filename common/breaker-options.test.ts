import CircuitBreaker from 'opossum';
import { describe, expect, it } from 'vitest';
import { BREAKER_BOOKKEEPING } from './breaker-options.js';

describe('breaker bookkeeping', () => {
  it('counts calls and failures in the window but keeps no per-call latency list', async () => {
    const breaker = new CircuitBreaker(async (fail: boolean) => {
      if (fail) throw new Error('down');
      return 1;
    }, { ...BREAKER_BOOKKEEPING, volumeThreshold: 10_000, rollingCountTimeout: 10_000 });
    try {
      for (let i = 0; i < 2000; i += 1) await breaker.fire(i % 4 === 0).catch(() => undefined);
      const stats = breaker.stats;
      expect(stats.fires).toBe(2000);
      expect(stats.failures).toBe(500);
      expect(stats.latencyTimes).toHaveLength(0);
    } finally {
      breaker.shutdown();
    }
  });

  it('differs from opossum defaults, which keep one latency per call', async () => {
    const breaker = new CircuitBreaker(async () => 1, { rollingCountTimeout: 10_000 });
    try {
      for (let i = 0; i < 50; i += 1) await breaker.fire();
      expect(breaker.stats.latencyTimes).toHaveLength(50);
    } finally {
      breaker.shutdown();
    }
  });
});
