import { TierName, tierOfPosition } from '../catalog/symbols.js';

export interface TierSettings {
  /** Refresh interval of every symbol of the tier, ms. */
  intervalMs: number;
  /** Redis TTL of the tier's latest prices, seconds. */
  ttlSeconds: number;
}

export type TierConfig = Readonly<Record<TierName, TierSettings>>;

export const TIER_NAMES: readonly TierName[] = [TierName.Hot, TierName.Medium, TierName.Cold];
export const DEFAULT_TIER_INTERVALS_MS: Readonly<Record<TierName, number>> = { hot: 1_000, medium: 10_000, cold: 60_000 };
/** Redis TTL = TTL_INTERVALS x interval unless configured otherwise. */
export const TTL_INTERVALS = 3;
const INTERVAL_MS_MIN = 50;
const INTERVAL_MS_MAX = 24 * 3_600_000;

/** Build and validate a tier config; TTLs default to 3 x interval (rounded up to whole seconds). */
export function tierConfig(
  intervalsMs: Partial<Record<TierName, number>> = {},
  ttlSeconds: Partial<Record<TierName, number>> = {},
): TierConfig {
  const config = {} as Record<TierName, TierSettings>;
  for (const tier of TIER_NAMES) {
    const intervalMs = intervalsMs[tier] ?? DEFAULT_TIER_INTERVALS_MS[tier];
    if (!Number.isInteger(intervalMs) || intervalMs < INTERVAL_MS_MIN || intervalMs > INTERVAL_MS_MAX) {
      throw new Error(`${tier} tier intervalMs must be an integer ${INTERVAL_MS_MIN}..${INTERVAL_MS_MAX}, got ${intervalMs}`);
    }
    const ttl = ttlSeconds[tier] ?? Math.ceil((TTL_INTERVALS * intervalMs) / 1000);
    if (!Number.isInteger(ttl) || ttl < 1) throw new Error(`${tier} tier ttlSeconds must be an integer >= 1, got ${ttl}`);
    config[tier] = { intervalMs, ttlSeconds: ttl };
  }
  return config;
}

/** symbol -> tier by position in symbols.csv order. */
export function buildTierMap(symbols: readonly string[]): ReadonlyMap<string, TierName> {
  const map = new Map<string, TierName>();
  symbols.forEach((symbol, position) => map.set(symbol, tierOfPosition(position)));
  return map;
}

/** The symbols of each tier, in file order. */
export function symbolsByTier(symbols: readonly string[]): Record<TierName, string[]> {
  const byTier: Record<TierName, string[]> = { hot: [], medium: [], cold: [] };
  symbols.forEach((symbol, position) => byTier[tierOfPosition(position)].push(symbol));
  return byTier;
}
