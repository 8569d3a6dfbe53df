import { describe, expect, it } from 'vitest';
import { burstCount, stillCold } from './exchange-stats.js';

describe('cold-burst asset choice and counts', () => {
  it('keeps the last never-quoted assets in tier order, quoted by no exchange', () => {
    const tier = ['a', 'b', 'c', 'd', 'e', 'f'];
    const ex1 = new Map([['a', 1], ['b', 1], ['e', 0]]);
    const ex2 = new Map([['c', 2]]);
    expect(stillCold(tier, [ex1, ex2], 10)).toEqual(['d', 'e', 'f']);
    expect(stillCold(tier, [ex1, ex2], 2)).toEqual(['e', 'f']);
    expect(stillCold(tier, [], 3)).toEqual(['d', 'e', 'f']);
  });

  it('summarizes per-asset quote counts', () => {
    const c = burstCount('http://127.0.0.1:1', 7, new Map([['a', 0], ['b', 1], ['c', 3], ['d', 2]]));
    expect(c).toEqual({ url: 'http://127.0.0.1:1', requests: 7, maxPerAsset: 3, assetsOverOne: 2, assetsFetched: 3 });
    expect(burstCount('u', 0, new Map()).maxPerAsset).toBe(0);
  });
});
