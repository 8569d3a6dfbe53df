import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from './dynamo-history-store.js';
import { buildCandles } from './candles.js';

const point = (timestamp: number, price: number): HistoryPoint => ({
  asset: 'btcusdt',
  timestamp,
  price,
  updatedAt: timestamp,
  sources: ['ex1'],
  excluded: [],
  confidence: 0,
  term: 1,
});

describe('buildCandles', () => {
  it('aggregates OHLC per aligned interval, ascending, whatever the input order', () => {
    const points = [point(60_500, 12), point(1_000, 10), point(59_999, 8), point(30_000, 11), point(61_000, 9)];
    expect(buildCandles(points, 60_000)).toEqual([
      { start: 0, open: 10, high: 11, low: 8, close: 8, points: 3, first_timestamp: 1_000, last_timestamp: 59_999 },
      { start: 60_000, open: 12, high: 12, low: 9, close: 9, points: 2, first_timestamp: 60_500, last_timestamp: 61_000 },
    ]);
  });

  it('omits intervals without points (no synthetic candles)', () => {
    const candles = buildCandles([point(0, 1), point(180_000, 2)], 60_000);
    expect(candles.map((c) => c.start)).toEqual([0, 180_000]);
  });

  it('is empty for no points and refuses a bad interval', () => {
    expect(buildCandles([], 60_000)).toEqual([]);
    expect(() => buildCandles([], 0)).toThrow(/intervalMs/);
  });
});
