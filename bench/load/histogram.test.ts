import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';

describe('LatencyHistogram', () => {
  it('reports percentiles of 1..1000 ms within HDR precision', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.recordMs(ms);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50Ms).toBeCloseTo(500, -0.3);
    expect(s.p95Ms).toBeCloseTo(950, -0.3);
    expect(s.p99Ms).toBeCloseTo(990, -0.3);
    expect(s.p999Ms).toBeCloseTo(999, -0.3);
    expect(s.maxMs).toBeCloseTo(1000, -0.3);
    expect(s.meanMs).toBeCloseTo(500.5, -0.3);
  });

  it('keeps sub-millisecond resolution and orders percentiles', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 990; i++) h.recordMs(0.25);
    for (let i = 0; i < 10; i++) h.recordMs(40);
    const s = h.summary();
    expect(s.p50Ms).toBeCloseTo(0.25, 3);
    expect(s.p99Ms).toBeCloseTo(0.25, 3);
    expect(s.p999Ms).toBeCloseTo(40, 1);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p95Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
  });

  it('adds histograms, clamps huge values, rejects negative ones and summarizes empty as zeros', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.recordMs(1);
    b.recordMs(3);
    b.recordMs(10 * 60_000);
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.clamped).toBe(1);
    expect(a.summary().maxMs).toBeCloseTo(120_000, -2);
    expect(() => a.recordMs(-1)).toThrow(/>= 0/);
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 });
  });
});
