/**
 * How published prices reach every node's stream hub: Redis pub/sub on
 * `bazaar:<clusterId>:prices`. The leader PUBLISHes each refreshed batch right after writing
 * it to Redis; every node (the leader too) SUBSCRIBEs on a connection of its own and feeds its
 * PriceStreamHub.
 *
 * Why Redis pub/sub rather than the Raft log or a gRPC stream: prices are not replicated state
 * (they are not in the log by design: a price every second per hot asset would grow the log
 * and its snapshots for no safety gain), every node already talks to the same Redis for the
 * latest prices, and pub/sub costs one message per batch however many nodes listen. Its
 * delivery is at most once: a node cut from Redis misses events; it notices the reconnection
 * and tells its streams to `reset` (reload the snapshot) instead of pretending there was no gap.
 * Without Redis (REDIS_URL unset) the channel is local: only the leader's own streams see prices.
 */
import { Redis } from 'ioredis';
import type { AggregatedPrice } from './price-types.js';
import type { StreamPrice } from './price-stream-hub.js';

export interface PricePublisher {
  /** Fire and forget: a failed publish is logged, never thrown. */
  publish(prices: readonly AggregatedPrice[]): void;
}

export interface PriceChannelOptions {
  /** null: local channel (no Redis). */
  readonly redisUrl: string | null;
  readonly clusterId: string;
  /** The publishing connection (the node's price Redis client); null without Redis. */
  readonly publishRedis: Redis | null;
  readonly onPrices: (prices: StreamPrice[]) => void;
  /** The subscription was re-established after a loss (events may have been missed). */
  readonly onResubscribed: () => void;
  readonly logger: { warn(message: string): void };
  readonly nowMs?: () => number;
}

/** Prices per published message (a refresh batch is at most this big; bigger ones are split). */
export const CHANNEL_MESSAGE_PRICES_MAX = 500;

export const priceChannelName = (clusterId: string): string => `bazaar:${clusterId}:prices`;

interface ChannelMessage {
  readonly published_at: number;
  readonly prices: AggregatedPrice[];
}

export class PriceChannel implements PricePublisher {
  private readonly subscriber: Redis | null;
  private readonly channel: string;
  private readonly nowMs: () => number;
  private subscribedOnce = false;

  constructor(private readonly options: PriceChannelOptions) {
    this.channel = priceChannelName(options.clusterId);
    this.nowMs = options.nowMs ?? Date.now;
    this.subscriber = options.redisUrl === null ? null : this.connect(options.redisUrl);
  }

  publish(prices: readonly AggregatedPrice[]): void {
    if (prices.length === 0) return;
    const publishedAt = this.nowMs();
    for (let i = 0; i < prices.length; i += CHANNEL_MESSAGE_PRICES_MAX) {
      const chunk = prices.slice(i, i + CHANNEL_MESSAGE_PRICES_MAX);
      if (this.options.publishRedis === null) {
        this.options.onPrices(chunk.map((price) => ({ price, publishedAtMs: publishedAt })));
        continue;
      }
      const message: ChannelMessage = { published_at: publishedAt, prices: chunk };
      this.options.publishRedis.publish(this.channel, JSON.stringify(message)).catch((err: unknown) => {
        this.options.logger.warn(`price publish failed: ${(err as Error).message}`);
      });
    }
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await Promise.resolve();
  }

  private connect(url: string): Redis {
    const redis = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: null, connectTimeout: 500, lazyConnect: false });
    redis.on('error', () => undefined); // reconnects by itself; the warn on ready says so
    redis.on('ready', () => {
      if (this.subscribedOnce) {
        this.options.logger.warn('price channel resubscribed: streams reset (events may have been missed)');
        this.options.onResubscribed();
      }
      this.subscribedOnce = true;
    });
    redis.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = parseMessage(text);
      if (message === null) {
        this.options.logger.warn('price channel: ignored a malformed message');
        return;
      }
      this.options.onPrices(message.prices.map((price) => ({ price, publishedAtMs: message.published_at })));
    });
    redis.subscribe(this.channel).catch((err: unknown) => this.options.logger.warn(`price channel subscribe failed: ${(err as Error).message}`));
    return redis;
  }
}

function parseMessage(text: string): ChannelMessage | null {
  try {
    const value = JSON.parse(text) as Partial<ChannelMessage>;
    if (typeof value.published_at !== 'number' || !Array.isArray(value.prices)) return null;
    const prices = value.prices.filter(
      (p): p is AggregatedPrice => typeof p === 'object' && p !== null && typeof p.asset === 'string' && typeof p.price === 'number' && typeof p.timestamp === 'number',
    );
    return { published_at: value.published_at, prices };
  } catch {
    return null;
  }
}
