import { describe, expect, it } from 'vitest';
import { planTier, TierSchedule } from './tier-schedule.js';
import { buildTierMap, symbolsByTier, tierConfig } from './tiers.js';

const symbols = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i}`);

describe('tiers', () => {
  it('splits by file order: 20 hot, 180 medium, rest cold; TTL = 3 x interval', () => {
    const byTier = symbolsByTier(symbols(1000));
    expect([byTier.hot.length, byTier.medium.length, byTier.cold.length]).toEqual([20, 180, 800]);
    expect(buildTierMap(symbols(1000)).get('s200')).toBe('cold');
    expect(tierConfig()).toEqual({
      hot: { intervalMs: 1000, ttlSeconds: 3 },
      medium: { intervalMs: 10_000, ttlSeconds: 30 },
      cold: { intervalMs: 60_000, ttlSeconds: 180 },
    });
    expect(() => tierConfig({ hot: 10 })).toThrow(/hot tier intervalMs must be an integer 50\.\./);
  });
});

describe('planTier', () => {
  it('covers every symbol once, in batches within the size bound, spread over the interval', () => {
    const cold = symbols(9800);
    const slots = planTier(cold, { intervalMs: 60_000, batchSymbolsMax: 100, slotSpacingMinMs: 1000 });
    expect(slots.flatMap((s) => s.symbols)).toEqual(cold);
    expect(slots.length).toBe(98);
    expect(Math.max(...slots.map((s) => s.symbols.length))).toBeLessThanOrEqual(100);
    const offsets = slots.map((s) => s.offsetMs);
    expect(offsets[0]).toBe(0);
    expect(Math.max(...offsets)).toBeLessThan(60_000);
    const gaps = offsets.slice(1).map((o, i) => o - (offsets[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(Math.floor(60_000 / 98));
  });

  it('uses small slots when spacing asks for more slots than size does', () => {
    const slots = planTier(symbols(800), { intervalMs: 60_000, batchSymbolsMax: 100, slotSpacingMinMs: 1000 });
    expect(slots.length).toBe(60);
    const hot = planTier(symbols(20), { intervalMs: 1000, batchSymbolsMax: 100, slotSpacingMinMs: 1000 });
    expect(hot).toEqual([{ index: 0, offsetMs: 0, symbols: symbols(20) }]);
  });
});

describe('TierSchedule with a fake clock', () => {
  const slots = planTier(symbols(40), { intervalMs: 1000, batchSymbolsMax: 10, slotSpacingMinMs: 250 });

  it('fires slot 0 at start and each slot once per interval, at its offset', () => {
    const schedule = new TierSchedule(slots, 1000, 5_000);
    const fired: [number, number][] = [];
    for (let now = 5_000; now < 8_000; now += 50) {
      for (const d of schedule.takeDue(now)) fired.push([d.slot.index, d.dueMs]);
    }
    expect(fired.slice(0, 4)).toEqual([
      [0, 5_000],
      [1, 5_250],
      [2, 5_500],
      [3, 5_750],
    ]);
    expect(fired).toHaveLength(12);
    expect(fired[4]).toEqual([0, 6_000]);
    expect(schedule.nextDueMs()).toBe(8_000);
  });

  it('skips missed cycles instead of firing a backlog', () => {
    const schedule = new TierSchedule(slots, 1000, 0);
    const due = schedule.takeDue(10_600);
    expect(due.map((d) => d.dueMs)).toEqual([10_000, 10_250, 10_500]);
    expect(schedule.nextDueMs()).toBe(10_750);
  });

  it('an empty tier never fires', () => {
    const schedule = new TierSchedule([], 1000, 0);
    expect(schedule.takeDue(1e9)).toEqual([]);
    expect(schedule.nextDueMs()).toBeNull();
  });
});
