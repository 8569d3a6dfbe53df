/**
 * The node's market-data streaming parts: a metered PriceStreamHub fed by the PriceChannel
 * (Redis pub/sub, or local without Redis). The channel is also the price pipeline's publisher.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { PriceChannel } from './price-channel.js';
import { PRICE_STREAM_DEFAULTS, type PriceStreamHub } from './price-stream-hub.js';
import { createMeteredHub } from './price-stream-metrics.js';

export interface MarketDataOptions {
  readonly registry: Registry;
  readonly redisUrl: string | null;
  readonly publishRedis: Redis | null;
  readonly clusterId: string;
  readonly logger: { warn(message: string): void };
  readonly streamsMax?: number;
  readonly windowEventsMax?: number;
  readonly clientBufferBytesMax?: number;
}

export interface MarketData {
  readonly hub: PriceStreamHub;
  readonly channel: PriceChannel;
  close(): Promise<void>;
}

export function createMarketData(options: MarketDataOptions): MarketData {
  const hub = createMeteredHub(options.registry, {
    streamsMax: options.streamsMax ?? PRICE_STREAM_DEFAULTS.streamsMax,
    windowEventsMax: options.windowEventsMax ?? PRICE_STREAM_DEFAULTS.windowEventsMax,
    clientBufferBytesMax: options.clientBufferBytesMax ?? PRICE_STREAM_DEFAULTS.clientBufferBytesMax,
  });
  const channel = new PriceChannel({
    redisUrl: options.redisUrl,
    publishRedis: options.publishRedis,
    clusterId: options.clusterId,
    onPrices: (prices) => hub.publish(prices),
    onResubscribed: () => hub.resetAll('the node lost its price channel for a while: reload the snapshot'),
    logger: options.logger,
  });
  return {
    hub,
    channel,
    close: async () => {
      hub.closeAll();
      await channel.close();
    },
  };
}
