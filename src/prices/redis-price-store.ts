/**
 * Latest price per asset in Redis: key `price:<asset>`, value the AggregatedPrice JSON, with the
 * tier's TTL. A Lua compare keeps a slower writer from replacing a newer price (older
 * `timestamp`) — e.g. a deposed leader's last refresh landing after the new leader's.
 */
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { AggregatedPrice } from './price-types.js';
import { TurnBatcher } from '../../common/turn-batcher.js';

export interface LatestPriceStore {
  get(asset: string): Promise<AggregatedPrice | null>;
  /** Store each price with its TTL unless Redis already holds a newer one for the asset. */
  putMany(entries: readonly { price: AggregatedPrice; ttlSeconds: number }[]): Promise<void>;
}

export const PRICE_KEY_PREFIX = 'price:';
export const priceKey = (asset: string): string => `${PRICE_KEY_PREFIX}${asset}`;
/** Parsed prices kept (the catalog has ~1,000 assets); past it the least recently read go. */
export const PARSED_PRICES_MAX = 10_000;
/** Prices per Redis pipeline round trip. */
const PIPELINE_ENTRIES_MAX = 500;
/** Keys per MGET at most (the GETs of one event-loop turn share one MGET). */
export const GET_BATCH_KEYS_MAX = 256;

// KEYS[1] = key, ARGV[1] = json, ARGV[2] = timestamp, ARGV[3] = ttl seconds.
const SET_IF_NEWER_LUA = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded['timestamp']) and tonumber(decoded['timestamp']) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

type RedisWithSetIfNewer = Redis & {
  priceSetIfNewer(key: string, json: string, timestamp: number, ttlSeconds: number): Promise<number>;
};

export class RedisPriceStore implements LatestPriceStore {
  private readonly redis: RedisWithSetIfNewer;
  /** Reads of one event-loop turn share one MGET (GET /prices and followers' stock prices). */
  private readonly reads: TurnBatcher<string, string | null>;
  /**
   * Per asset, the last value read and its parse: a hot price is read thousands of times per
   * refresh, and the same text parses to the same price (callers do not mutate it).
   */
  private readonly parsed = new LRUCache<string, { text: string; price: AggregatedPrice }>({ max: PARSED_PRICES_MAX });

  constructor(redis: Redis) {
    this.reads = new TurnBatcher((keys) => redis.mget(keys), GET_BATCH_KEYS_MAX);
    if (!('priceSetIfNewer' in redis)) {
      redis.defineCommand('priceSetIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER_LUA });
    }
    this.redis = redis as RedisWithSetIfNewer;
  }

  async get(asset: string): Promise<AggregatedPrice | null> {
    const text = await this.reads.add(priceKey(asset));
    if (text === null) return null;
    const known = this.parsed.get(asset);
    if (known !== undefined && known.text === text) return known.price;
    try {
      const price = JSON.parse(text) as AggregatedPrice;
      this.parsed.set(asset, { text, price });
      return price;
    } catch {
      return null;
    }
  }

  async putMany(entries: readonly { price: AggregatedPrice; ttlSeconds: number }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += PIPELINE_ENTRIES_MAX) {
      const pipeline = this.redis.pipeline() as unknown as RedisWithSetIfNewer & { exec(): Promise<[Error | null, unknown][] | null> };
      for (const { price, ttlSeconds } of entries.slice(i, i + PIPELINE_ENTRIES_MAX)) {
        void pipeline.priceSetIfNewer(priceKey(price.asset), JSON.stringify(price), price.timestamp, ttlSeconds);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err !== null);
      if (failed) throw new Error(`redis price write failed: ${(failed[0] as Error).message}`);
    }
  }
}
