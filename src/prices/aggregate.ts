/**
 * Pure aggregation of exchange quotes into one published price:
 *   1. drop invalid quotes and quotes older than `staleAfterMs`;
 *   2. with three or more remaining, reject outliers by median absolute deviation (MAD);
 *   3. volume-weighted average of the rest (plain mean if all volumes are 0).
 * With nothing left, no new price is made: the previous one is kept and marked stale.
 */
import { ExclusionReason, type AggregatedPrice, type ExcludedSource, type SourceQuote } from './price-types.js';

export interface AggregationOptions {
  /** Quotes older than this (relative to nowMs) are dropped. */
  staleAfterMs: number;
  /** A quote is an outlier when |p - median| > madMultiplier x 1.4826 x MAD ... */
  madMultiplier: number;
  /** ... and also > deviationFloorFraction x median (so tightly agreeing sources do not evict normal spread). */
  deviationFloorFraction: number;
}

export const DEFAULT_AGGREGATION: Readonly<AggregationOptions> = Object.freeze({
  staleAfterMs: 5_000,
  madMultiplier: 3,
  deviationFloorFraction: 0.01,
});

/** MAD -> standard deviation for normally distributed data. */
const MAD_TO_SIGMA = 1.4826;
/** Outlier rejection needs at least this many sources to have a meaningful median. */
export const OUTLIER_SOURCES_MIN = 3;

export function validateAggregationOptions(options: AggregationOptions): AggregationOptions {
  if (!Number.isInteger(options.staleAfterMs) || options.staleAfterMs <= 0) {
    throw new Error(`staleAfterMs must be a positive integer (ms), got ${options.staleAfterMs}`);
  }
  if (!(options.madMultiplier > 0)) throw new Error(`madMultiplier must be > 0, got ${options.madMultiplier}`);
  if (!(options.deviationFloorFraction >= 0 && options.deviationFloorFraction < 1)) {
    throw new Error(`deviationFloorFraction must be in [0, 1), got ${options.deviationFloorFraction}`);
  }
  return options;
}

export interface AggregationInput {
  asset: string;
  quotes: readonly SourceQuote[];
  /** Exchanges that gave no quote, with why. */
  unavailable: readonly ExcludedSource[];
  nowMs: number;
  term: number;
  /** The last published price, kept (marked stale) when no quote survives. */
  previous: AggregatedPrice | null;
}

export type AggregationResult =
  | { fresh: true; price: AggregatedPrice }
  | { fresh: false; price: AggregatedPrice | null; excluded: ExcludedSource[] };

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function isValidQuote(q: SourceQuote): boolean {
  return Number.isFinite(q.price) && q.price > 0 && Number.isFinite(q.volume) && q.volume >= 0 && Number.isFinite(q.timestamp);
}

/** Split quotes into kept and excluded-as-outlier by MAD (only with >= 3 quotes). */
export function rejectOutliers(
  quotes: readonly SourceQuote[],
  options: AggregationOptions,
): { kept: SourceQuote[]; outliers: ExcludedSource[] } {
  if (quotes.length < OUTLIER_SOURCES_MIN) return { kept: [...quotes], outliers: [] };
  const med = median(quotes.map((q) => q.price));
  const mad = median(quotes.map((q) => Math.abs(q.price - med)));
  const limit = Math.max(options.madMultiplier * MAD_TO_SIGMA * mad, options.deviationFloorFraction * med);
  const kept: SourceQuote[] = [];
  const outliers: ExcludedSource[] = [];
  for (const q of quotes) {
    const deviation = Math.abs(q.price - med);
    if (deviation > limit) {
      outliers.push({ exchange: q.exchange, reason: ExclusionReason.Outlier, detail: `price ${q.price} vs median ${med}` });
    } else {
      kept.push(q);
    }
  }
  return { kept, outliers };
}

/** Volume-weighted average and volume-weighted relative dispersion of non-empty quotes. */
export function volumeWeighted(quotes: readonly SourceQuote[]): { price: number; confidence: number } {
  if (quotes.length === 0) throw new Error('volumeWeighted of no quotes');
  const totalVolume = quotes.reduce((sum, q) => sum + q.volume, 0);
  const weight = (q: SourceQuote): number => (totalVolume > 0 ? q.volume / totalVolume : 1 / quotes.length);
  const price = quotes.reduce((sum, q) => sum + weight(q) * q.price, 0);
  const confidence = quotes.reduce((sum, q) => sum + (weight(q) * Math.abs(q.price - price)) / price, 0);
  return { price, confidence };
}

export function aggregateQuotes(input: AggregationInput, options: AggregationOptions): AggregationResult {
  const excluded: ExcludedSource[] = [...input.unavailable];
  const fresh: SourceQuote[] = [];
  for (const q of input.quotes) {
    if (!isValidQuote(q)) {
      excluded.push({ exchange: q.exchange, reason: ExclusionReason.Invalid, detail: `price ${q.price} volume ${q.volume}` });
    } else if (input.nowMs - q.timestamp > options.staleAfterMs) {
      const ageMs = input.nowMs - q.timestamp;
      excluded.push({ exchange: q.exchange, reason: ExclusionReason.Stale, detail: `quote ${ageMs} ms old` });
    } else {
      fresh.push(q);
    }
  }
  const { kept, outliers } = rejectOutliers(fresh, options);
  excluded.push(...outliers);
  if (kept.length === 0) {
    const previous = input.previous === null ? null : { ...input.previous, stale: true };
    return { fresh: false, price: previous, excluded };
  }
  const { price, confidence } = volumeWeighted(kept);
  return {
    fresh: true,
    price: {
      asset: input.asset,
      price,
      timestamp: Math.max(...kept.map((q) => q.timestamp)),
      updatedAt: input.nowMs,
      sources: kept.map((q) => q.exchange),
      excluded,
      confidence,
      stale: false,
      term: input.term,
    },
  };
}
