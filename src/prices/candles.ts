/**
 * OHLC candles from price history points (pure). Candles are aligned to the interval
 * (start = floor(timestamp / interval) x interval, UTC), ascending by start. Intervals with no
 * point are OMITTED (no synthetic flat candles): a gap in the answer is a gap in the history.
 */
import type { HistoryPoint } from './dynamo-history-store.js';

export const CandleInterval = { OneMinute: '1m', FiveMinutes: '5m', OneHour: '1h' } as const;
export type CandleInterval = (typeof CandleInterval)[keyof typeof CandleInterval];

export const CANDLE_INTERVAL_MS: Readonly<Record<CandleInterval, number>> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };

export interface Candle {
  /** Interval start, ms since the epoch. */
  readonly start: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** History points in the interval. */
  readonly points: number;
  readonly first_timestamp: number;
  readonly last_timestamp: number;
}

interface Building {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  points: number;
  first: number;
  last: number;
}

/** Candles of `points` (any order) for `intervalMs`, ascending by start. */
export function buildCandles(points: readonly HistoryPoint[], intervalMs: number): Candle[] {
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new Error(`intervalMs must be an integer >= 1, got ${intervalMs}`);
  const ascending = [...points].sort((a, b) => a.timestamp - b.timestamp);
  const candles: Candle[] = [];
  let current: Building | null = null;
  for (const p of ascending) {
    const start = Math.floor(p.timestamp / intervalMs) * intervalMs;
    if (current === null || current.start !== start) {
      if (current !== null) candles.push(finish(current));
      current = { start, open: p.price, high: p.price, low: p.price, close: p.price, points: 0, first: p.timestamp, last: p.timestamp };
    }
    current.high = Math.max(current.high, p.price);
    current.low = Math.min(current.low, p.price);
    current.close = p.price;
    current.points += 1;
    current.last = p.timestamp;
  }
  if (current !== null) candles.push(finish(current));
  return candles;
}

function finish(b: Building): Candle {
  return { start: b.start, open: b.open, high: b.high, low: b.low, close: b.close, points: b.points, first_timestamp: b.first, last_timestamp: b.last };
}
