/**
 * Price routes as a Fastify plugin (encapsulated: its error handler only covers these routes).
 * Register with `app.register(pricesRoutes, options)`; every dependency comes in the options.
 *
 * GET /prices/:asset — Redis, then DynamoDB's latest point if younger than the tier's TTL,
 * then a refresh (`refreshNow`, which the node routes to the leader) that carries the time
 * the miss was seen (`notBeforeMs`): the leader answers with a price it published since then
 * instead of fetching again, so misses of one asset on several nodes cost one fetch. Misses
 * for one asset share one lookup (single flight on this node). A refresh that reached no leader
 * (forward deadline, election) is retried with backoff, up to MISS_REFRESH_ATTEMPTS_MAX
 * attempts; it joins the leader's fetch still in flight or takes its published result. If the
 * refresh fails but DynamoDB had an older point, that point is served marked stale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import { normalizeSymbol, type TierName } from '../catalog/symbols.js';
import { HISTORY_QUERY_LIMIT_MAX, type HistoryPoint, type HistoryStore } from './dynamo-history-store.js';
import { InvalidAssetError, NotLeaderError, PriceError } from './price-errors.js';
import type { RefreshNowOptions } from './price-pipeline.js';
import type { AggregatedPrice } from './price-types.js';
import {
  errorResponseSchema,
  historyResponseSchema,
  priceResponseSchema,
  priceView,
  refreshResponseSchema,
  type PriceView,
} from './price-view.js';
import type { LatestPriceStore } from './redis-price-store.js';
import { SingleFlight } from './single-flight.js';
import type { TierConfig } from './tiers.js';

export interface PricesRoutesOptions {
  /** symbol -> tier for every known symbol (unknown symbols answer 400). */
  tierMap: ReadonlyMap<string, TierName>;
  tiers: TierConfig;
  /** null: no Redis. */
  latestStore: LatestPriceStore | null;
  /** null: no history (history route answers 503). */
  historyStore: HistoryStore | null;
  /** Fetch, aggregate and store a fresh price now (on the leader); see RefreshNowOptions for misses. */
  refreshNow: (asset: string, options?: RefreshNowOptions) => Promise<AggregatedPrice>;
  /** Assets looked up at once on cache misses. */
  lookupsInFlightMax: number;
  nowMs?: () => number;
}

export const HISTORY_LIMIT_DEFAULT = 100;
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
const ASSET_LENGTH_MAX = 64;

const assetParams = {
  type: 'object',
  required: ['asset'],
  properties: { asset: { type: 'string', minLength: 1, maxLength: ASSET_LENGTH_MAX } },
} as const;

const errorResponses = { 400: errorResponseSchema, 404: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };

// Route schemas (tags/summary feed the OpenAPI document generated later; kept in consts so
// Fastify's FastifySchema type, which lacks swagger's fields, does not reject them).
const getPriceSchema = {
  tags: ['prices'],
  summary: 'Latest aggregated price of an asset',
  params: assetParams,
  response: { 200: priceResponseSchema, ...errorResponses },
};

const refreshSchema = {
  tags: ['prices'],
  summary: 'Refresh an asset price now',
  params: assetParams,
  response: { 200: refreshResponseSchema, ...errorResponses },
};

const historySchema = {
  tags: ['prices'],
  summary: 'Price history of an asset, newest first',
  params: assetParams,
  querystring: {
    type: 'object',
    properties: {
      from: { type: 'integer', minimum: 0, description: 'ms since the epoch, inclusive' },
      to: { type: 'integer', minimum: 0, description: 'ms since the epoch, inclusive' },
      limit: { type: 'integer', minimum: 1, maximum: HISTORY_QUERY_LIMIT_MAX, default: HISTORY_LIMIT_DEFAULT },
    },
    additionalProperties: false,
  },
  response: { 200: historyResponseSchema, ...errorResponses },
};

function sendError(reply: FastifyReply, status: number, message: string, retryAfterSeconds: number | null = null): FastifyReply {
  if (retryAfterSeconds !== null) void reply.header('Retry-After', String(retryAfterSeconds));
  return reply.code(status).send({ error: { code: status, message }, msg: message });
}

export const pricesRoutes: FastifyPluginAsync<PricesRoutesOptions> = async (app, options) => {
  const nowMs = options.nowMs ?? Date.now;
  const lookups = new SingleFlight<string, AggregatedPrice>(options.lookupsInFlightMax);
  const refreshes = new SingleFlight<string, AggregatedPrice>(options.lookupsInFlightMax);
  const missRefreshes = new SingleFlight<string, AggregatedPrice>(options.lookupsInFlightMax);

  const tierOf = (raw: string): { asset: string; tier: TierName } => {
    const asset = normalizeSymbol(raw);
    const tier = options.tierMap.get(asset);
    if (tier === undefined) throw new InvalidAssetError();
    return { asset, tier };
  };
  const view = (price: AggregatedPrice, tier: TierName): PriceView => priceView(price, tier, options.tiers[tier].ttlSeconds, nowMs());

  const fromRedis = async (asset: string): Promise<AggregatedPrice | null> => {
    if (options.latestStore === null) return null;
    try {
      return await options.latestStore.get(asset);
    } catch (err) {
      app.log.warn(`redis read of ${asset} failed: ${(err as Error).message}`);
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
        app.log.warn(`refresh of ${asset} for a miss, attempt ${attempt} of ${MISS_REFRESH_ATTEMPTS_MAX}: ${err.message}`);
        await sleep(Math.min(MISS_RETRY_BACKOFF_MAX_MS, MISS_RETRY_BACKOFF_MS * 2 ** (attempt - 1)));
      }
    }
  };

  const slowLookup = async (asset: string, tier: TierName, missSinceMs: number): Promise<AggregatedPrice> => {
    const cached = await fromRedis(asset);
    if (cached !== null) return cached;
    let point: HistoryPoint | null = null;
    if (options.historyStore !== null) {
      try {
        point = await options.historyStore.latest(asset);
      } catch (err) {
        app.log.warn(`history read of ${asset} failed: ${(err as Error).message}`);
      }
    }
    const ttlMs = options.tiers[tier].ttlSeconds * 1000;
    if (point !== null && nowMs() - point.timestamp <= ttlMs) return priceFromPoint(point, false);
    try {
      return await missRefreshes.run(asset, () => refreshForMiss(asset, missSinceMs));
    } catch (err) {
      if (point !== null) return priceFromPoint(point, true);
      throw err;
    }
  };

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof PriceError) return sendError(reply, error.httpStatus, error.message, error.retryAfterSeconds);
    if (error.validation !== undefined) {
      const message = error.validationContext === 'params' ? new InvalidAssetError().message : error.message;
      return sendError(reply, 400, message);
    }
    app.log.error(error);
    return sendError(reply, 500, 'Internal error');
  });

  app.get<{ Params: { asset: string } }>(
    '/prices/:asset',
    { schema: getPriceSchema },
    async (request) => {
      const { asset, tier } = tierOf(request.params.asset);
      const missSinceMs = nowMs();
      const cached = await fromRedis(asset);
      if (cached !== null) return view(cached, tier);
      return view(await lookups.run(asset, () => slowLookup(asset, tier, missSinceMs)), tier);
    },
  );

  app.post<{ Params: { asset: string } }>(
    '/refresh/:asset',
    { schema: refreshSchema },
    async (request) => {
      const { asset, tier } = tierOf(request.params.asset);
      const price = await refreshes.run(asset, () => options.refreshNow(asset));
      return { message: `Price for ${asset} refreshed`, ...view(price, tier) };
    },
  );

  app.get<{ Params: { asset: string }; Querystring: { from?: number; to?: number; limit?: number } }>(
    '/prices/:asset/history',
    { schema: historySchema },
    async (request, reply) => {
      const { asset } = tierOf(request.params.asset);
      if (options.historyStore === null) return sendError(reply, 503, 'Price history is not configured', 5);
      const fromMs = request.query.from ?? 0;
      const toMs = request.query.to ?? Number.MAX_SAFE_INTEGER;
      if (fromMs > toMs) return sendError(reply, 400, `from (${fromMs}) must be <= to (${toMs})`);
      const points = await options.historyStore.range(asset, { fromMs, toMs, limit: request.query.limit ?? HISTORY_LIMIT_DEFAULT });
      return { asset, points: points.map(historyView) };
    },
  );
};

function priceFromPoint(point: HistoryPoint, stale: boolean): AggregatedPrice {
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

function historyView(p: HistoryPoint): Record<string, unknown> {
  return {
    timestamp: p.timestamp,
    price: p.price,
    updated_at: p.updatedAt,
    sources: p.sources,
    excluded: p.excluded,
    confidence: p.confidence,
    term: p.term,
  };
}

