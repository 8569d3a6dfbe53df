import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StockState } from '../bazaar/model.js';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import { makeTempDir, normalEntry, openMachine, trade } from '../bazaar/test-support.js';
import { reserveFreePort } from '../../raft/index.js';
import { RedisServer } from './redis-server.js';
import { DEFAULT_STOCK_CACHE_TIMING, FILL_MANY_KEYS_MAX, StockCache, type StockCacheOptions } from './stock-cache.js';
import { StockReader, withCachePublishing } from './stock-reader.js';

let redis: RedisServer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  console.log(`redis-server pid ${redis.pid} on port ${redis.port}`);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await redis.destroy();
});

let prefixCounter = 0;
function cacheFor(url: string, overrides: Partial<StockCacheOptions> = {}, keyPrefix = `t${++prefixCounter}:stock:`): StockCache {
  const cache = new StockCache({ ...DEFAULT_STOCK_CACHE_TIMING, redisUrl: url, keyPrefix, ...overrides });
  cleanups.push(() => cache.close());
  return cache;
}

async function connected(cache: StockCache, name = 'probe'): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if ((await cache.invalidate(`${name}`, 0)) !== 'unavailable') return;
    await sleep(50);
  }
  throw new Error('cache never connected');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 20 ms until it holds; fails after `timeoutMs`. */
async function eventually(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

function stock(name: string, quantity: number, modifiedIndex: number): StockState {
  return { name, quantity, volume: 0, modifiedIndex };
}

async function machine(label: string): Promise<BazaarStateMachine> {
  const temp = await makeTempDir(label);
  const opened = await openMachine(temp.dir, ['aapl', 'msft']);
  cleanups.push(temp.remove, () => opened.close());
  return opened;
}

describe('StockCache fencing (real Redis)', () => {
  it('a delayed stale fill loses to a newer value written meanwhile', async () => {
    const cache = cacheFor(redis.url);
    await connected(cache);
    // Reader A read the state at index 5, then stalls before filling.
    const slowFill = sleep(150).then(() => cache.fill('aapl', stock('aapl', 95, 5), 5));
    // Meanwhile trade 6 is applied and published.
    expect(await cache.fill('aapl', stock('aapl', 80, 6), 6)).toBe('written');
    expect(await slowFill).toBe('superseded');
    expect(await cache.get('aapl', 0)).toEqual({ index: 6, stock: stock('aapl', 80, 6) });
  });

  it('a tombstone blocks older fills, is never a delete, and yields to a fill at its own index', async () => {
    const cache = cacheFor(redis.url);
    await connected(cache);
    expect(await cache.fill('msft', stock('msft', 100, 0), 3)).toBe('written');
    const slowFill = sleep(150).then(() => cache.fill('msft', stock('msft', 100, 0), 4));
    expect(await cache.invalidate('msft', 7)).toBe('written');
    expect(await slowFill).toBe('superseded');
    expect(await cache.get('msft', 0)).toBeNull();
    expect(await cache.invalidate('msft', 6)).toBe('superseded');
    expect(await cache.fill('msft', stock('msft', 90, 7), 7)).toBe('written');
    expect(await cache.invalidate('msft', 7)).toBe('superseded');
    expect(await cache.get('msft', 7)).toEqual({ index: 7, stock: stock('msft', 90, 7) });
    expect(await cache.get('msft', 8)).toBeNull();
  });

  it('fillMany fences each stock on its own, in one call, as fill does', async () => {
    const cache = cacheFor(redis.url);
    await connected(cache);
    expect(await cache.fill('aapl', stock('aapl', 80, 6), 6)).toBe('written');
    expect(await cache.invalidate('msft', 4)).toBe('written');
    const items = [
      { name: 'aapl', stock: stock('aapl', 95, 5), index: 5 }, // older than the value at 6
      { name: 'msft', stock: stock('msft', 70, 4), index: 4 }, // the tombstone's own index
      { name: 'ibm', stock: stock('ibm', 60, 9), index: 9 }, // no entry yet
    ];
    expect(await cache.fillMany(items)).toEqual(['superseded', 'written', 'written']);
    expect(await cache.get('aapl', 0)).toEqual({ index: 6, stock: stock('aapl', 80, 6) });
    expect(await cache.get('msft', 4)).toEqual({ index: 4, stock: stock('msft', 70, 4) });
    expect(await cache.get('ibm', 9)).toEqual({ index: 9, stock: stock('ibm', 60, 9) });
    expect(await cache.fillMany([{ name: 'ibm', stock: stock('ibm', 60, 9), index: 9 }])).toEqual(['superseded']);
    await expect(cache.fillMany([items[0]!, items[0]!])).rejects.toThrow('fillMany lists aapl twice');
    // More stocks than one script call takes: split, every outcome reported in order.
    const many = Array.from({ length: FILL_MANY_KEYS_MAX + 3 }, (_, i) => ({ name: `s${i}`, stock: stock(`s${i}`, i, 1), index: 1 }));
    const outcomes = await cache.fillMany(many);
    expect(outcomes).toHaveLength(many.length);
    expect(outcomes.every((o) => o === 'written')).toBe(true);
    expect(await cache.get(`s${FILL_MANY_KEYS_MAX + 2}`, 1)).toEqual({ index: 1, stock: stock(`s${FILL_MANY_KEYS_MAX + 2}`, FILL_MANY_KEYS_MAX + 2, 1) });
  });

  it('treats a foreign or corrupt entry as a miss', async () => {
    const cache = cacheFor(redis.url, {}, 'corrupt:stock:');
    await connected(cache);
    const raw = new Redis(redis.url);
    try {
      await raw.hset('corrupt:stock:aapl', 'i', '9', 'v', '{not json');
      await raw.hset('corrupt:stock:msft', 'i', '9', 'v', JSON.stringify(['aapl', 1, 1, 1]));
    } finally {
      raw.disconnect();
    }
    expect(await cache.get('aapl', 0)).toBeNull();
    expect(await cache.get('msft', 0)).toBeNull();
  });
});

describe('Redis down and back', () => {
  it('reads work without the cache, the breaker opens, and the cache is used again when Redis returns', async () => {
    const cache = cacheFor(redis.url, { breakerResetMs: 500 });
    await connected(cache);
    const local = await machine('down');
    const reader = new StockReader({ local, readBarrier: () => Promise.resolve(local.lastApplied), cache });
    await redis.stop();
    const started = Date.now();
    for (let i = 0; i < 6; i += 1) {
      expect((await reader.readStale('aapl')).stock?.quantity).toBe(100);
      expect(await cache.fill('aapl', stock('aapl', 100, 0), 1)).toBe('unavailable');
    }
    expect((await reader.readLinearizable('aapl')).stock?.quantity).toBe(100);
    console.log(`12 cache operations with Redis down took ${Date.now() - started} ms`);
    expect(cache.breakerState()).toBe('open');
    await redis.start();
    const deadline = Date.now() + 10_000;
    let outcome = 'unavailable';
    while (outcome !== 'written' && Date.now() < deadline) {
      await sleep(100);
      outcome = await cache.fill('aapl', stock('aapl', 100, 0), 1);
    }
    expect(outcome).toBe('written');
    expect(cache.breakerState()).toBe('closed');
    expect(await cache.get('aapl', 1)).toEqual({ index: 1, stock: stock('aapl', 100, 0) });
  });
});

describe('Redis slow (paused)', () => {
  it('operations time out within opTimeoutMs, the breaker opens, and closes once Redis resumes', async () => {
    const cache = cacheFor(redis.url, { opTimeoutMs: 100, breakerResetMs: 300 });
    await connected(cache);
    const pid = redis.pid;
    if (pid === undefined) throw new Error('redis not running');
    const unavailableBefore = cache.stats().unavailable;
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      for (let i = 0; i < 5; i += 1) expect(await cache.get('aapl', 0)).toBeNull();
      console.log(`5 reads against a paused Redis took ${Date.now() - started} ms (opTimeoutMs 100)`);
      expect(cache.breakerState()).toBe('open');
      expect(cache.stats().unavailable - unavailableBefore).toBe(5);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const deadline = Date.now() + 10_000;
    let outcome = 'unavailable';
    while (outcome === 'unavailable' && Date.now() < deadline) {
      await sleep(100);
      outcome = await cache.fill('aapl', stock('aapl', 100, 0), 1);
    }
    expect(outcome).not.toBe('unavailable');
    expect(cache.breakerState()).toBe('closed');
  });
});

describe('leader cannot reach Redis, a follower can', () => {
  it('linearizable reads on the follower never see the stale cached value; stale reads lag as without cache', async () => {
    const closedPort = await reserveFreePort();
    const leaderCache = cacheFor(`redis://127.0.0.1:${closedPort}`, { breakerResetMs: 60_000 }, 'split:stock:');
    const followerCache = cacheFor(redis.url, {}, 'split:stock:');
    await connected(followerCache);
    const leader = await machine('leader');
    const follower = await machine('follower');
    const leaderPublishing = withCachePublishing(leader, leaderCache, () => true);
    let commitIndex = 0;
    const followerReader = new StockReader({
      local: follower,
      readBarrier: async () => {
        const readIndex = commitIndex; // what the leader would answer
        await follower.waitForApplied(readIndex, 5_000);
        return readIndex;
      },
      cache: followerCache,
    });

    const first = normalEntry(1, trade('aapl', 'SELL', 10));
    await leaderPublishing.apply([first]);
    await eventually('the leader tried to publish index 1', () => leaderCache.stats().unavailable >= 1);
    await follower.apply([first]);
    commitIndex = 1;
    // The follower's read fills Redis with aapl at index 1 (quantity 110).
    expect((await followerReader.readLinearizable('aapl')).stock?.quantity).toBe(110);
    const filled = Date.now() + 2_000;
    while ((await followerCache.get('aapl', 1)) === null && Date.now() < filled) await sleep(20);
    expect((await followerCache.get('aapl', 1))?.stock.quantity).toBe(110);

    // Trade 2 commits and is acknowledged by the leader, whose publish to Redis fails.
    const second = normalEntry(2, trade('aapl', 'BUY', 50));
    const unavailableBefore = leaderCache.stats().unavailable;
    const started = Date.now();
    const [result] = await leaderPublishing.apply([second]);
    commitIndex = 2;
    expect(result).toMatchObject({ ok: true, transactionNumber: 2, stock: { quantity: 60 } });
    console.log(`leader apply with unreachable Redis took ${Date.now() - started} ms`);
    await eventually('the leader\'s publish of index 2 failed', () => leaderCache.stats().unavailable > unavailableBefore);

    // Redis still holds the pre-trade value; the follower has not applied index 2 yet.
    expect((await followerCache.get('aapl', 0))?.stock.quantity).toBe(110);
    const stale = await followerReader.readStale('aapl');
    expect(stale).toMatchObject({ index: 1, stock: { quantity: 110 } }); // documented: follower lag
    expect(await followerCache.get('aapl', commitIndex)).toBeNull(); // the index proof rejects the old entry

    // A linearizable read waits for index 2 and never serves the stale cached value.
    setTimeout(() => void follower.apply([second]), 100);
    const fresh = await followerReader.readLinearizable('aapl');
    expect(fresh).toMatchObject({ source: 'local', index: 2, stock: { quantity: 60 } });
    const refilled = Date.now() + 2_000;
    while ((await followerCache.get('aapl', 2)) === null && Date.now() < refilled) await sleep(20);
    expect((await followerCache.get('aapl', 2))?.stock.quantity).toBe(60); // refilled at >= 2 by the read
  });

  it('with the leader publishing, a lagging follower serves fresher stale reads from Redis', async () => {
    const leaderCache = cacheFor(redis.url, {}, 'lag:stock:');
    const followerCache = cacheFor(redis.url, {}, 'lag:stock:');
    await connected(leaderCache);
    const leader = await machine('lag-leader');
    const follower = await machine('lag-follower');
    const publishing = withCachePublishing(leader, leaderCache, () => true);
    await publishing.apply([normalEntry(1, trade('msft', 'BUY', 30))]);
    await eventually('the leader published msft at 1', async () => (await followerCache.get('msft', 1)) !== null);
    const reader = new StockReader({ local: follower, readBarrier: () => Promise.reject(new Error('unused')), cache: followerCache });
    expect(await reader.readStale('msft')).toMatchObject({ source: 'cache', index: 1, stock: { quantity: 70 } });
    expect(await reader.readStale('aapl')).toMatchObject({ source: 'local', index: 0, stock: { quantity: 100 } });
  });
});
