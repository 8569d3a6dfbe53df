/**
 * How GET /prices/:asset finds a price (src/prices/prices-routes.ts registers the routes).
 *
 * Redis, then DynamoDB's latest point if younger than the tier's TTL, then a refresh
 * (`refreshNow`, which the node routes to the leader) that carries the time the miss was seen
 * (`notBeforeMs`): the leader answers with a price it published since then instead of fetching
 * again, so misses of one asset on several nodes cost one fetch. Misses for one asset share one
 * lookup (single flight on this node). A refresh that reached no leader (forward deadline,
 * election) is retried with backoff, up to MISS_REFRESH_ATTEMPTS_MAX attempts; it joins the
 * leader's fetch still in flight or takes its published result. If the refresh fails but
 * DynamoDB had an older point, that point is served marked stale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { TierName } from '../catalog/symbols.js';
import type { HistoryPoint } from './dynamo-history-store.js';
import { NotLeaderError, PriceError } from './price-errors.js';
import type { AggregatedPrice } from './price-types.js';
import type { PricesRoutesOptions } from './prices-routes.js';
import { SingleFlight } from './single-flight.js';

/** Refresh attempts of one GET miss when no leader answered (each bounded by the node's forward deadline). */
export const MISS_REFRESH_ATTEMPTS_MAX = 5;
/** Pause before the first retry of a miss refresh, ms; doubles per retry up to MISS_RETRY_BACKOFF_MAX_MS (an election takes about a second). */
export const MISS_RETRY_BACKOFF_MS = 100;
export const MISS_RETRY_BACKOFF_MAX_MS = 1_000;
/**
 * Errors of a refresh that reached no leader with a term: the node's forward failed or found no
 * leader (BAZAAR_ERR_UNAVAILABLE), the node asked was no longer the leader (RAFT_ERR_NOT_LEADER,
 * during an election), or the leader has no price term yet. Worth a retry; others are answers.
 */
const MISS_RETRY_CODES: ReadonlySet<string> = new Set(['BAZAAR_ERR_UNAVAILABLE', 'RAFT_ERR_NOT_LEADER', new NotLeaderError().code]);

export interface PriceLookup {
  /** The latest price of a known asset: Redis, fresh history, or a refresh. */
  latest(asset: string, tier: TierName): Promise<AggregatedPrice>;
}

export function priceFromPoint(point: HistoryPoint, stale: boolean): AggregatedPrice {
  return {
    asset: point.asset,
    price: point.price,
    timestamp: point.timestamp,
    updatedAt: point.updatedAt,
    sources: point.sources,
    excluded: point.excluded,
    confidence: point.confidence,
    stale,
    term: point.term,
  };
}

export function createPriceLookup(options: PricesRoutesOptions, log: FastifyBaseLogger): PriceLookup {
  const nowMs = options.nowMs ?? Date.now;
  const lookups = new SingleFlight<string, AggregatedPrice>(options.lookupsInFlightMax);
  const missRefreshes = new SingleFlight<string, AggregatedPrice>(options.lookupsInFlightMax);

  const fromRedis = async (asset: string): Promise<AggregatedPrice | null> => {
    if (options.latestStore === null) return null;
    try {
      return await options.latestStore.get(asset);
    } catch (err) {
      log.warn(`redis read of ${asset} failed: ${(err as Error).message}`);
      return null;
    }
  };

  const fromHistory = async (asset: string): Promise<HistoryPoint | null> => {
    if (options.historyStore === null) return null;
    try {
      return await options.historyStore.latest(asset);
    } catch (err) {
      log.warn(`history read of ${asset} failed: ${(err as Error).message}`);
      return null;
    }
  };

  /** A miss's refresh: a price published since `missSinceMs` will do; retried while no leader answers. */
  const refreshForMiss = async (asset: string, missSinceMs: number): Promise<AggregatedPrice> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await options.refreshNow(asset, { notBeforeMs: missSinceMs });
      } catch (err) {
        if (attempt >= MISS_REFRESH_ATTEMPTS_MAX || !(err instanceof PriceError) || !MISS_RETRY_CODES.has(err.code)) throw err;
        log.warn(`refresh of ${asset} for a miss, attempt ${attempt} of ${MISS_REFRESH_ATTEMPTS_MAX}: ${err.message}`);
        await sleep(Math.min(MISS_RETRY_BACKOFF_MAX_MS, MISS_RETRY_BACKOFF_MS * 2 ** (attempt - 1)));
      }
    }
  };

  const slowLookup = async (asset: string, tier: TierName, missSinceMs: number): Promise<AggregatedPrice> => {
    const cached = await fromRedis(asset);
    if (cached !== null) return cached;
    const point = await fromHistory(asset);
    const ttlMs = options.tiers[tier].ttlSeconds * 1000;
    if (point !== null && nowMs() - point.timestamp <= ttlMs) return priceFromPoint(point, false);
    try {
      return await missRefreshes.run(asset, () => refreshForMiss(asset, missSinceMs));
    } catch (err) {
      if (point !== null) return priceFromPoint(point, true);
      throw err;
    }
  };

  return {
    latest: async (asset, tier) => {
      const missSinceMs = nowMs();
      const cached = await fromRedis(asset);
      if (cached !== null) return cached;
      return lookups.run(asset, () => slowLookup(asset, tier, missSinceMs));
    },
  };
}
