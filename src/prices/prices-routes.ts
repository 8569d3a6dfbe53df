/**
 * Price routes as a Fastify plugin (one module of src/http/route-modules.ts). Every dependency
 * comes in the options; errors are thrown and answered by the app's one error handler (codes in
 * src/errors.ts), with "msg" added for these routes. Lookup logic: price-lookup.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import { normalizeSymbol, type TierName } from '../catalog/symbols.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import { symbolSchema } from '../http/schemas.js';
import { HISTORY_QUERY_LIMIT_MAX, type HistoryPoint, type HistoryStore } from './dynamo-history-store.js';
import { HistoryUnavailableError, InvalidAssetError } from './price-errors.js';
import { createPriceLookup } from './price-lookup.js';
import type { RefreshNowOptions } from './price-pipeline.js';
import type { AggregatedPrice } from './price-types.js';
import { errorResponseSchema, historyResponseSchema, priceResponseSchema, priceView, refreshResponseSchema, type PriceView } from './price-view.js';
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

/** The asset path parameter: the same symbol rule as every other route (src/http/schemas.ts). */
const assetParams = { type: 'object', required: ['asset'], properties: { asset: symbolSchema } } as const;

const errorResponses = { 400: errorResponseSchema, 404: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };

// Route schemas (tags/summary feed the OpenAPI document; kept in consts so Fastify's
// FastifySchema type, which lacks swagger's fields, does not reject them).
const getPriceSchema = {
  tags: ['prices'],
  summary: 'Latest aggregated price of an asset',
  params: assetParams,
  querystring: { type: 'object', additionalProperties: false, properties: {} },
  response: { 200: priceResponseSchema, ...errorResponses },
};

const refreshSchema = {
  tags: ['prices'],
  summary: 'Refresh an asset price now',
  params: assetParams,
  querystring: { type: 'object', additionalProperties: false, properties: {} },
  response: { 200: refreshResponseSchema, ...errorResponses },
};

const historySchema = {
  tags: ['prices'],
  summary: 'Price history of an asset, newest first',
  params: assetParams,
  querystring: {
    type: 'object',
    properties: {
      from: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'ms since the epoch, inclusive' },
      to: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'ms since the epoch, inclusive' },
      limit: { type: 'integer', minimum: 1, maximum: HISTORY_QUERY_LIMIT_MAX, default: HISTORY_LIMIT_DEFAULT },
    },
    additionalProperties: false,
  },
  response: { 200: historyResponseSchema, ...errorResponses },
};

export const pricesRoutes: FastifyPluginAsync<PricesRoutesOptions> = async (app, options) => {
  const nowMs = options.nowMs ?? Date.now;
  const lookup = createPriceLookup(options, app.log);
  const refreshes = new SingleFlight<string, AggregatedPrice>(options.lookupsInFlightMax);
  const tierOf = (raw: string): { asset: string; tier: TierName } => {
    const asset = normalizeSymbol(raw);
    const tier = options.tierMap.get(asset);
    if (tier === undefined) throw new InvalidAssetError();
    return { asset, tier };
  };
  const view = (price: AggregatedPrice, tier: TierName): PriceView => priceView(price, tier, options.tiers[tier].ttlSeconds, nowMs());

  app.get<{ Params: { asset: string } }>('/prices/:asset', { schema: getPriceSchema }, async (request) => {
    const { asset, tier } = tierOf(request.params.asset);
    return view(await lookup.latest(asset, tier), tier);
  });

  app.post<{ Params: { asset: string } }>('/refresh/:asset', { schema: refreshSchema }, async (request) => {
    const { asset, tier } = tierOf(request.params.asset);
    const price = await refreshes.run(asset, () => options.refreshNow(asset));
    return { message: `Price for ${asset} refreshed`, ...view(price, tier) };
  });

  app.get<{ Params: { asset: string }; Querystring: { from?: number; to?: number; limit?: number } }>(
    '/prices/:asset/history',
    { schema: historySchema },
    async (request) => {
      const { asset } = tierOf(request.params.asset);
      if (options.historyStore === null) throw new HistoryUnavailableError();
      const fromMs = request.query.from ?? 0;
      const toMs = request.query.to ?? Number.MAX_SAFE_INTEGER;
      if (fromMs > toMs) throw new BazaarError(BazaarErrorCode.InvalidRequest, `from (${fromMs}) must be <= to (${toMs})`);
      const points = await options.historyStore.range(asset, { fromMs, toMs, limit: request.query.limit ?? HISTORY_LIMIT_DEFAULT });
      return { asset, points: points.map(historyView) };
    },
  );
};

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
