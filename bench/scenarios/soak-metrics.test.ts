import { describe, expect, it } from 'vitest';
import { metricSum, metricValue, minuteFigures, parseSample, type NodeSample } from './soak-metrics.js';

const scrape = (cpu: number, gcMinor: number, gcMajor: number): string => [
  '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
  `process_cpu_seconds_total ${cpu}`,
  'process_resident_memory_bytes 104857600',
  `nodejs_gc_duration_seconds_sum{kind="minor"} ${gcMinor}`,
  'nodejs_gc_duration_seconds_count{kind="minor"} 9',
  `nodejs_gc_duration_seconds_sum{kind="major"} ${gcMajor}`,
  'bazaar_raft_term 3',
].join('\n');

describe('soak metrics', () => {
  it('sums every series of a name and ignores names that only share a prefix', () => {
    const text = scrape(1, 0.25, 0.5);
    expect(metricSum(text, 'nodejs_gc_duration_seconds_sum')).toBe(0.75);
    expect(metricSum(text, 'nodejs_gc_duration_seconds')).toBeNull();
    expect(metricValue(text, 'process_cpu_seconds_total')).toBe(1);
  });

  it('turns the CPU and GC counters of a window into % of a core and % of wall time', () => {
    const samples = [parseSample(0, scrape(10, 1, 0)), parseSample(5000, scrape(12, 1.1, 0)), parseSample(10_000, scrape(15, 1.2, 0.3))];
    const figures = minuteFigures(samples, 0, 10_001);
    expect(figures.cpuPct).toBe(50);
    expect(figures.gcPct).toBe(5);
    expect(figures.rssMiB).toBe(100);
    expect(figures.term).toBe(3);
  });

  it('reports no rate from a window with fewer than two samples', () => {
    const figures = minuteFigures([parseSample(0, scrape(10, 1, 0))], 0, 1000);
    expect(figures.cpuPct).toBeNull();
    expect(figures.gcPct).toBeNull();
  });
});

describe('loop delay of a window', () => {
  const sample = (atMs: number, maxS: number): NodeSample => ({ atMs, term: 1, isLeader: false, loopDelayP99S: maxS / 2, loopDelayMaxS: maxS, rssBytes: 1, cpuSeconds: atMs / 1000, gcSeconds: 0 });

  it('ignores scrapes before loopFromMs (they may report a window from before the load), but not for CPU', () => {
    const samples = [sample(0, 1.7), sample(5000, 0.9), sample(25_000, 0.05), sample(30_000, 0.08)];
    const all = minuteFigures(samples, 0, 60_000);
    const fromLoad = minuteFigures(samples, 0, 60_000, 20_000);
    expect(all.loopDelayMaxMs).toBe(1700);
    expect(fromLoad.loopDelayMaxMs).toBe(80);
    expect(fromLoad.loopDelayP99Ms).toBe(40);
    expect(fromLoad.cpuPct).toBe(100);
  });

  it('reports no loop delay when every scrape of the window is too early', () => {
    expect(minuteFigures([sample(0, 1.7)], 0, 60_000, 20_000).loopDelayMaxMs).toBeNull();
  });
});
