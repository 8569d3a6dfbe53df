import { describe, expect, it } from 'vitest';
import { createRng } from '../../common/rng.js';
import { quoteAt } from '../exchange/price-walk.js';
import { aggregateQuotes, DEFAULT_AGGREGATION, median, rejectOutliers } from './aggregate.js';
import type { AggregatedPrice, SourceQuote } from './price-types.js';

const NOW = 1_700_000_000_000;
const EXCHANGES = ['ex1', 'ex2', 'ex3'];

function quotesFor(seed: number, symbol: string, nowMs: number): SourceQuote[] {
  return EXCHANGES.map((exchange) => {
    const q = quoteAt({ seed, exchangeId: exchange, stepMs: 250 }, symbol, nowMs);
    return { exchange, price: q.price, volume: q.volume, timestamp: q.timestamp };
  });
}

function aggregate(quotes: SourceQuote[], previous: AggregatedPrice | null = null, nowMs = NOW) {
  return aggregateQuotes({ asset: 'btcusdt', quotes, unavailable: [], nowMs, term: 3, previous }, DEFAULT_AGGREGATION);
}

describe('aggregateQuotes', () => {
  it('computes the volume-weighted average and a spread figure', () => {
    const result = aggregate([
      { exchange: 'a', price: 100, volume: 1, timestamp: NOW },
      { exchange: 'b', price: 101, volume: 3, timestamp: NOW - 10 },
    ]);
    expect(result.fresh).toBe(true);
    if (!result.fresh) return;
    expect(result.price.price).toBeCloseTo(100.75, 10);
    expect(result.price.timestamp).toBe(NOW);
    expect(result.price.sources).toEqual(['a', 'b']);
    // weights .25/.75, deviations .75 and .25 -> (.25*.75 + .75*.25)/100.75
    expect(result.price.confidence).toBeCloseTo(0.375 / 100.75, 10);
    expect(result.price.term).toBe(3);
  });

  it('one of three sources at +20% or x10 moves the price by less than 0.25%', () => {
    const seed = 20240601;
    const rng = createRng(seed);
    console.log(`aggregate outlier test seed ${seed}`);
    for (let i = 0; i < 200; i++) {
      const symbol = `sym${rng.int(0, 1000)}`;
      const nowMs = NOW + rng.int(0, 10_000_000);
      const honest = quotesFor(seed, symbol, nowMs);
      const baseline = aggregate(honest, null, nowMs);
      if (!baseline.fresh) throw new Error('baseline must be fresh');
      for (const factor of [1.2, 10, 0.8]) {
        const bad = rng.int(0, 3);
        const corrupted = honest.map((q, j) => (j === bad ? { ...q, price: q.price * factor } : q));
        const result = aggregate(corrupted, null, nowMs);
        if (!result.fresh) throw new Error('must stay fresh');
        expect(Math.abs(result.price.price / baseline.price.price - 1)).toBeLessThan(0.0025);
        expect(result.price.excluded.map((e) => e.reason)).toEqual(['outlier']);
        expect(result.price.excluded[0]?.exchange).toBe(EXCHANGES[bad]);
      }
    }
  });

  it('keeps all honest sources (normal spread is not an outlier)', () => {
    for (let i = 0; i < 500; i++) {
      const result = aggregate(quotesFor(99, `s${i}`, NOW + i * 777));
      expect(result.fresh && result.price.sources.length).toBe(3);
    }
  });

  it('excludes a frozen source once its quote passes the staleness bound', () => {
    const frozen: SourceQuote = { exchange: 'ex3', price: 100, volume: 10, timestamp: NOW };
    const live = (t: number): SourceQuote[] => [
      { exchange: 'ex1', price: 100.1, volume: 10, timestamp: t },
      { exchange: 'ex2', price: 100.2, volume: 10, timestamp: t },
    ];
    const before = aggregate([...live(NOW + 4_000), frozen], null, NOW + DEFAULT_AGGREGATION.staleAfterMs);
    expect(before.fresh && before.price.sources).toEqual(['ex1', 'ex2', 'ex3']);
    const after = aggregate([...live(NOW + 6_000), frozen], null, NOW + DEFAULT_AGGREGATION.staleAfterMs + 1);
    if (!after.fresh) throw new Error('two live sources remain');
    expect(after.price.sources).toEqual(['ex1', 'ex2']);
    expect(after.price.excluded).toMatchObject([{ exchange: 'ex3', reason: 'stale' }]);
  });

  it('all sources stale -> no new price; the old one is kept and marked stale', () => {
    const first = aggregate(quotesFor(5, 'btcusdt', NOW));
    if (!first.fresh) throw new Error('first must be fresh');
    const later = NOW + 60_000;
    const result = aggregate(quotesFor(5, 'btcusdt', NOW), first.price, later);
    expect(result.fresh).toBe(false);
    expect(result.price).toEqual({ ...first.price, stale: true });
    expect(result.fresh === false && result.excluded.every((e) => e.reason === 'stale')).toBe(true);
    const none = aggregate(quotesFor(5, 'btcusdt', NOW), null, later);
    expect(none).toMatchObject({ fresh: false, price: null });
  });

  it('drops invalid quotes and does not reject outliers with fewer than three sources', () => {
    const result = aggregate([
      { exchange: 'a', price: 100, volume: 1, timestamp: NOW },
      { exchange: 'b', price: 1000, volume: 1, timestamp: NOW },
      { exchange: 'c', price: Number.NaN, volume: 1, timestamp: NOW },
    ]);
    expect(result.fresh && result.price.price).toBe(550);
    expect(result.fresh && result.price.excluded).toMatchObject([{ exchange: 'c', reason: 'invalid' }]);
  });
});

describe('median and rejectOutliers', () => {
  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('rejects a far quote among five', () => {
    const quotes = [100, 100.1, 99.9, 100.05, 130].map((price, i) => ({ exchange: `e${i}`, price, volume: 1, timestamp: NOW }));
    const { kept, outliers } = rejectOutliers(quotes, DEFAULT_AGGREGATION);
    expect(kept).toHaveLength(4);
    expect(outliers.map((o) => o.exchange)).toEqual(['e4']);
  });
});
