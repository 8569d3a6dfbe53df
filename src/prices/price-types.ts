import type { TierName } from '../catalog/symbols.js';

/** One exchange's quote for one asset. */
export interface SourceQuote {
  exchange: string;
  price: number;
  volume: number;
  /** Exchange quote time, ms since the epoch. */
  timestamp: number;
}

export const ExclusionReason = {
  Stale: 'stale',
  Outlier: 'outlier',
  Invalid: 'invalid',
  /** The exchange failed (error, timeout, open breaker) or did not quote the asset. */
  Unavailable: 'unavailable',
} as const;
export type ExclusionReason = (typeof ExclusionReason)[keyof typeof ExclusionReason];

export interface ExcludedSource {
  exchange: string;
  reason: ExclusionReason;
  detail: string;
}

/** The published price of one asset. */
export interface AggregatedPrice {
  asset: string;
  /** Volume-weighted average of the kept quotes. */
  price: number;
  /** Newest kept quote time, ms since the epoch. */
  timestamp: number;
  /** When the aggregate was computed, ms since the epoch. */
  updatedAt: number;
  /** Exchanges whose quotes were used. */
  sources: string[];
  excluded: ExcludedSource[];
  /**
   * Dispersion of the kept quotes: volume-weighted mean absolute deviation from the price,
   * as a fraction of the price (0 = all sources agree; 0.001 = 0.1%). Smaller is better.
   */
  confidence: number;
  /** True when no fresh quote was available and this is an older price kept. */
  stale: boolean;
  /** Raft term of the leader that computed it (0 when unknown). */
  term: number;
}

export interface PriceWithTier {
  price: AggregatedPrice;
  tier: TierName;
}
