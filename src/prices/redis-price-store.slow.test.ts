/** RedisPriceStore over a real redis-server: batched reads (one MGET per turn), the parse memo, the newer-wins write. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../cache/redis-server.js';
import type { AggregatedPrice } from './price-types.js';
import { priceKey, RedisPriceStore } from './redis-price-store.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
});

const price = (asset: string, value: number, timestamp: number): AggregatedPrice => ({
  asset, price: value, timestamp, updatedAt: timestamp, sources: ['ex1'], excluded: [], confidence: 0, stale: false, term: 1,
});

describe('RedisPriceStore', () => {
  it('answers concurrent reads of many assets from one batch, each with its own price', async () => {
    const store = new RedisPriceStore(redis);
    const assets = Array.from({ length: 300 }, (_, i) => `a${i}usdt`);
    await store.putMany(assets.map((a, i) => ({ price: price(a, 100 + i, 1_000), ttlSeconds: 60 })));
    const got = await Promise.all([...assets, 'missingusdt'].map((a) => store.get(a)));
    expect(got.slice(0, 300).map((p) => p?.price)).toEqual(assets.map((_, i) => 100 + i));
    expect(got[300]).toBeNull();
  });

  it('reuses the parse of an unchanged value and sees a newer one; a newer price is not replaced by an older', async () => {
    const store = new RedisPriceStore(redis);
    await store.putMany([{ price: price('memousdt', 1, 2_000), ttlSeconds: 60 }]);
    const first = await store.get('memousdt');
    expect(await store.get('memousdt')).toBe(first);
    await store.putMany([{ price: price('memousdt', 2, 3_000), ttlSeconds: 60 }]);
    await store.putMany([{ price: price('memousdt', 9, 2_500), ttlSeconds: 60 }]);
    expect((await store.get('memousdt'))?.price).toBe(2);
    await redis.set(priceKey('memousdt'), 'not json');
    expect(await store.get('memousdt')).toBeNull();
    await redis.del(priceKey('memousdt'));
    expect(await store.get('memousdt')).toBeNull();
  });
});
