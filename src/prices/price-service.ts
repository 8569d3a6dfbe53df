/**
 * Wires the price pipeline for a node (or the bench): fetcher + breakers, Redis store,
 * DynamoDB history (tables created at start), pipeline, tiered refresher, and the options for
 * the routes plugin. The node calls `refresher.start(term)` / `refresher.stop()` on
 * leadership changes and `refresher.latestPrice(symbol)` on the trade path.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { DEFAULT_AGGREGATION, type AggregationOptions } from './aggregate.js';
import { createDynamoClient } from './dynamo-client.js';
import { DynamoHistoryStore } from './dynamo-history-store.js';
import { createPriceMetrics, type PriceMetrics } from './price-metrics.js';
import type { PricePublisher } from './price-channel.js';
import { PricePipeline } from './price-pipeline.js';
import type { PricesRoutesOptions } from './prices-routes.js';
import { DEFAULT_BREAKER, QuoteFetcher, type BreakerOptions } from './quote-fetcher.js';
import { RedisPriceStore } from './redis-price-store.js';
import { TieredRefresher } from './tiered-refresher.js';
import { buildTierMap, tierConfig, type TierConfig } from './tiers.js';

export interface PriceServiceOptions {
  /** symbols.csv order. */
  symbols: readonly string[];
  /** Exchange base URLs; ids are ex1, ex2, ... in this order. */
  exchangeUrls: readonly string[];
  /** null: no Redis. */
  redis: Redis | null;
  /** null: no history. */
  dynamoEndpoint: string | null;
  region?: string;
  registry: Registry;
  tiers?: TierConfig;
  breaker?: Partial<BreakerOptions>;
  aggregation?: Partial<AggregationOptions>;
  batchSymbolsMax?: number;
  slotSpacingMinMs?: number;
  logger: { warn(message: string): void; info(message: string): void };
  onFenced?: (term: number) => void;
  /** Where fresh prices are published for the price streams (price-channel.ts). */
  publisher?: PricePublisher;
  /** Stored as `writer` on every history item (the node id); default `pid-<process id>`. */
  writerId?: string;
}

export interface PriceService {
  pipeline: PricePipeline;
  refresher: TieredRefresher;
  fetcher: QuoteFetcher;
  metrics: PriceMetrics;
  historyStore: DynamoHistoryStore | null;
  /** Options for `app.register(pricesRoutes, ...)`; refreshNow is local (route it to the leader). */
  routesOptions: PricesRoutesOptions;
  close(): Promise<void>;
}

export const SERVICE_DEFAULTS = {
  batchSymbolsMax: 100,
  slotSpacingMinMs: 1_000,
  batchesInFlightMax: 32,
  historyPendingMax: 20_000,
  onDemandInFlightMax: 10_000,
  dynamoRequestTimeoutMs: 3_000,
} as const;

export function exchangeEndpoints(urls: readonly string[]): { id: string; baseUrl: string }[] {
  return urls.map((url, i) => {
    try {
      new URL(url);
    } catch {
      throw new Error(`exchange URL ${i + 1} is not a URL: "${url}"`);
    }
    return { id: `ex${i + 1}`, baseUrl: url.replace(/\/+$/, '') };
  });
}

export async function createPriceService(options: PriceServiceOptions): Promise<PriceService> {
  const tiers = options.tiers ?? tierConfig();
  const tierMap = buildTierMap(options.symbols);
  const metrics = createPriceMetrics(options.registry);
  const fetcher = new QuoteFetcher(exchangeEndpoints(options.exchangeUrls), { ...DEFAULT_BREAKER, ...options.breaker }, metrics);
  let historyStore: DynamoHistoryStore | null = null;
  if (options.dynamoEndpoint !== null) {
    const client = createDynamoClient({
      endpoint: options.dynamoEndpoint,
      region: options.region ?? 'us-east-1',
      requestTimeoutMs: SERVICE_DEFAULTS.dynamoRequestTimeoutMs,
    });
    historyStore = new DynamoHistoryStore(client, options.writerId ?? `pid-${process.pid}`);
    await historyStore.ensureTables();
  }
  const latestStore = options.redis === null ? null : new RedisPriceStore(options.redis);
  const pipeline = new PricePipeline({
    fetcher,
    latestStore,
    historyStore,
    tierMap,
    tiers,
    aggregation: { ...DEFAULT_AGGREGATION, ...options.aggregation },
    metrics,
    historyPendingMax: SERVICE_DEFAULTS.historyPendingMax,
    onDemandInFlightMax: SERVICE_DEFAULTS.onDemandInFlightMax,
    logger: options.logger,
    ...(options.onFenced === undefined ? {} : { onFenced: options.onFenced }),
    ...(options.publisher === undefined ? {} : { publisher: options.publisher }),
  });
  const refresher = new TieredRefresher({
    pipeline,
    symbols: options.symbols,
    tiers,
    batchSymbolsMax: options.batchSymbolsMax ?? SERVICE_DEFAULTS.batchSymbolsMax,
    slotSpacingMinMs: options.slotSpacingMinMs ?? SERVICE_DEFAULTS.slotSpacingMinMs,
    batchesInFlightMax: SERVICE_DEFAULTS.batchesInFlightMax,
    metrics,
    logger: options.logger,
  });
  return {
    pipeline,
    refresher,
    fetcher,
    metrics,
    historyStore,
    routesOptions: {
      tierMap,
      tiers,
      latestStore,
      historyStore,
      refreshNow: (asset, refreshOptions) => pipeline.refreshNow(asset, refreshOptions),
      lookupsInFlightMax: SERVICE_DEFAULTS.onDemandInFlightMax,
    },
    close: async () => {
      refresher.stop();
      await fetcher.close();
      historyStore?.close();
    },
  };
}
