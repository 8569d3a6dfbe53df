/**
 * Market-data routes (every node): GET /prices?assets=..., GET /prices/:asset/candles,
 * GET /prices/stream (SSE, see price-stream-route.ts). Errors go through the app's one error
 * handler (BazaarError -> contract body, with "msg" on /prices routes).
 */
import type { FastifyPluginAsync } from 'fastify';
import { normalizeSymbol, type TierName } from '../catalog/symbols.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import { buildCandles, CANDLE_INTERVAL_MS, type CandleInterval } from './candles.js';
import { HISTORY_QUERY_LIMIT_MAX, type HistoryPoint, type HistoryStore } from './dynamo-history-store.js';
import { CANDLE_POINTS_MAX, CANDLES_LIMIT_DEFAULT, CANDLES_LIMIT_MAX } from './market-limits.js';
import { parseAssets } from './asset-list.js';
import { candlesSchema, pricesListSchema } from './market-schemas.js';
import type { PriceStreamHub } from './price-stream-hub.js';
import { registerPriceStreamRoute } from './price-stream-route.js';
import type { AggregatedPrice } from './price-types.js';
import { priceView, type PriceView } from './price-view.js';
import type { LatestPriceStore } from './redis-price-store.js';
import type { TierConfig } from './tiers.js';

export interface MarketRoutesOptions {
  readonly tierMap: ReadonlyMap<string, TierName>;
  readonly tiers: TierConfig;
  readonly latestStore: LatestPriceStore | null;
  readonly historyStore: HistoryStore | null;
  readonly hub: PriceStreamHub;
  readonly keepAliveMs: number;
  readonly nowMs?: () => number;
}

export const marketRoutes: FastifyPluginAsync<MarketRoutesOptions> = async (app, options) => {
  const nowMs = options.nowMs ?? Date.now;

  const latestOf = async (asset: string): Promise<AggregatedPrice | null> => {
    const streamed = options.hub.latest(asset)?.price ?? null;
    if (options.latestStore === null) return streamed;
    try {
      const stored = await options.latestStore.get(asset);
      if (stored === null || (streamed !== null && streamed.timestamp > stored.timestamp)) return streamed;
      return stored;
    } catch {
      return streamed; // Redis down: what this node saw on the stream
    }
  };

  app.get<{ Querystring: { assets: string } }>('/prices', { schema: pricesListSchema }, async (request) => {
    const assets = parseAssets(request.query.assets);
    const unknown = assets.filter((a) => !options.tierMap.has(a));
    const known = assets.filter((a) => options.tierMap.has(a));
    const found = await Promise.all(known.map(async (asset) => ({ asset, price: await latestOf(asset) })));
    const prices: PriceView[] = [];
    const missing: string[] = [];
    for (const { asset, price } of found) {
      const tier = options.tierMap.get(asset) ?? 'cold';
      if (price === null) missing.push(asset);
      else prices.push(priceView(price, tier, options.tiers[tier].ttlSeconds, nowMs()));
    }
    return { prices, unknown, missing };
  });

  app.get<{ Params: { asset: string }; Querystring: { interval?: CandleInterval; from?: string; to?: string; limit?: string } }>(
    '/prices/:asset/candles',
    { schema: candlesSchema },
    async (request) => {
      const asset = normalizeSymbol(request.params.asset);
      if (!options.tierMap.has(asset)) throw new BazaarError(BazaarErrorCode.InvalidRequest, `Invalid asset symbol: ${asset} is not in the catalog`);
      if (options.historyStore === null) throw new BazaarError(BazaarErrorCode.Unavailable, 'price history is not configured on this node');
      const interval = request.query.interval ?? '1m';
      const intervalMs = CANDLE_INTERVAL_MS[interval];
      const limit = request.query.limit === undefined ? CANDLES_LIMIT_DEFAULT : Number(request.query.limit);
      if (limit > CANDLES_LIMIT_MAX) throw new BazaarError(BazaarErrorCode.InvalidRequest, `limit must be 1..${CANDLES_LIMIT_MAX}, got ${limit}`);
      const to = request.query.to === undefined ? nowMs() : Number(request.query.to);
      const from = request.query.from === undefined ? Math.max(0, (Math.floor(to / intervalMs) - limit + 1) * intervalMs) : Number(request.query.from);
      if (from > to) throw new BazaarError(BazaarErrorCode.InvalidRequest, `from (${from}) must be <= to (${to})`);
      const { points, completeFrom, truncated } = await readPoints(options.historyStore, asset, from, to, limit * intervalMs);
      // Where reading stopped early, the candle holding the oldest point read may be partial: left out.
      const candles = buildCandles(points, intervalMs).filter((c) => c.start >= completeFrom);
      return { asset, interval, from, to, candles: candles.slice(-limit), truncated, empty_intervals: 'omitted' };
    },
  );

  registerPriceStreamRoute(app, { hub: options.hub, tierMap: options.tierMap, keepAliveMs: options.keepAliveMs });
};

/**
 * History points of [from, to], newest first, paged; stops at CANDLE_POINTS_MAX points
 * (`truncated`) or once the points span more than `spanMs` (the candles asked for are covered).
 * `completeFrom`: every point of [completeFrom, to] was read.
 */
async function readPoints(
  store: HistoryStore,
  asset: string,
  from: number,
  to: number,
  spanMs: number,
): Promise<{ points: HistoryPoint[]; completeFrom: number; truncated: boolean }> {
  const points: HistoryPoint[] = [];
  let upper = to;
  while (points.length < CANDLE_POINTS_MAX && upper >= from) {
    const limit = Math.min(HISTORY_QUERY_LIMIT_MAX, CANDLE_POINTS_MAX - points.length);
    const page = await store.range(asset, { fromMs: from, toMs: upper, limit });
    points.push(...page);
    const oldest = page.at(-1);
    if (page.length < limit || oldest === undefined) return { points, completeFrom: from, truncated: false };
    const newest = points[0]?.timestamp ?? to;
    if (newest - oldest.timestamp > spanMs) return { points, completeFrom: oldest.timestamp, truncated: false };
    upper = oldest.timestamp - 1;
  }
  return { points, completeFrom: upper >= from ? upper + 1 : from, truncated: upper >= from };
}
