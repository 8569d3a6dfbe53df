import { Redis } from 'ioredis';
import CircuitBreaker from 'opossum';
import { BREAKER_BOOKKEEPING } from '../../common/breaker-options.js';
import type { Logger } from 'pino';
import type { StockState } from '../bazaar/model.js';
import { stockFromTuple, stockToTuple } from '../bazaar/records.js';

/**
 * Redis stock cache with index-fenced fills.
 *
 * ## Entries
 * Key `<keyPrefix><name>` is a Redis hash:
 *   i = the Raft log index the entry describes (decimal);
 *   v = the stock's state at applied index i (JSON tuple), or "" = tombstone "changed at i".
 * Every write is a Lua compare-and-set on i, atomic in Redis:
 *   fill(name, stock, i)   installs iff there is no entry, or entry.i < i, or entry is a tombstone
 *                          at exactly i. A slow reader that read an older state can never
 *                          re-install it over a newer value or tombstone.
 *   invalidate(name, i)    writes a tombstone at i iff entry.i < i. Never a plain DEL: a DEL would
 *                          let an in-flight older fill re-install the old value.
 * Only states a node has applied are ever written, always with the applied index they were read
 * at (the leader starts publishing each trade's new value at the trade's index as soon as the
 * trade is applied, before it answers, without waiting for Redis). So any value in Redis is a
 * true committed state at its index, and indices in Redis only rise.
 *
 * ## The rule that makes it correct: a cached value is used only with an index proof
 * A read may use a cached value only if entry.i >= an index the reader proved to be at least as
 * new as every trade acknowledged before the read began (`get(name, minIndex)`):
 *  - Linearizable reads: the proof is the ReadIndex r (>= the commit index when the read began,
 *    >= every acknowledged trade). Any value at index >= r is a committed state that includes
 *    all of them, and any later read gets r' >= r. The Raft driver's readIndex() resolves only
 *    once this node applied r, and every node holds the whole catalog in memory, so in practice
 *    the local state machine answers directly (stock-reader.ts) and Redis is not on the
 *    linearizable path at all. Hence: no dependence on Redis for correctness, no clock
 *    assumption, no danger from eviction, Redis restarts, lost tombstones or an unreachable Redis.
 *  - Stale reads (`consistency=stale`): the reader serves the newer (by index) of its local state
 *    (at lastApplied) and the Redis entry (`get(name, lastApplied + 1)`). Redis never makes a
 *    stale read staler than local state; it makes a lagging or partitioned follower fresher.
 * A trade is acknowledged only after its stock's older entries can no longer be served, and that
 * takes no Redis round trip: trade k is answered after it committed, so every later
 * linearizable read has r >= k and entries below k fail the proof, whether or not the publish of
 * k has landed yet. The publish only makes stale reads on a lagging node fresher (below).
 *
 * ## Why not serve hits without a ReadIndex (the "classic" cache)?
 * It is correct only if no node can expose a trade before Redis forgets the old value (a read
 * that sees trade k on a follower, then a read that hits the pre-k value, is not linearizable;
 * followers apply k before the leader's invalidation lands), and if a leader that cannot reach
 * Redis can still fence followers off it, which without talking to the leader takes clock-based
 * leases. Both are complex and fragile, and the saving (one heartbeat round, shared by all
 * concurrent reads) buys little for a catalog of ~1,000 stocks that every node holds in memory.
 *
 * ## Leader cannot reach Redis, a follower can
 * Trades keep working (publishes fail within opTimeoutMs, then the breaker skips them). Redis
 * keeps the values the leader published before; they are never served to linearizable reads
 * once older than r. Stale reads on the follower see max(local, Redis) by index: staleness is
 * the follower's apply lag, exactly as with no cache. (slow test: stock-cache.slow.test.ts)
 *
 * ## Near-cache
 * The node's in-memory state machine mirror is the near-cache; the Raft log pushes every change
 * to it (apply). There is no other in-process cache to invalidate.
 *
 * ## Redis down or slow
 * Every command has a timeout (ioredis commandTimeout; no offline queue, so nothing waits for a
 * reconnect); an opossum circuit breaker opens after failures and short-circuits the cache
 * (reads: miss, writes: skipped) for breakerResetMs, then lets one probe through and closes when
 * Redis answers. ioredis reconnects in the background with bounded backoff.
 */

export interface StockCacheOptions {
  readonly redisUrl: string;
  /** Prefix of every key, e.g. `bazaar:<clusterId>:stock:`. */
  readonly keyPrefix: string;
  /** Bound on every Redis command. */
  readonly opTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectDelayMaxMs: number;
  /** Breaker: stay open this long before probing Redis again. */
  readonly breakerResetMs: number;
  /** Breaker: failures within the rolling window before it may open. */
  readonly breakerVolumeThreshold: number;
  readonly logger?: Logger;
}

export const DEFAULT_STOCK_CACHE_TIMING = {
  opTimeoutMs: 100,
  connectTimeoutMs: 500,
  reconnectDelayMaxMs: 1_000,
  breakerResetMs: 2_000,
  breakerVolumeThreshold: 3,
} as const;

export interface CachedStock {
  readonly index: number;
  readonly stock: StockState;
}

export type CacheWriteOutcome = 'written' | 'superseded' | 'unavailable';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface StockCacheStats {
  hits: number;
  misses: number;
  writes: number;
  superseded: number;
  unavailable: number;
}

/**
 * Fill of KEYS[k] with index ARGV[2k-1] and value ARGV[2k], each key fenced on its own: refused
 * (0) when the cached index is newer, or equal and holding a value; else written (1). One 0/1
 * per key.
 */
const FILL_MANY_LUA = `
local out = {}
for k = 1, #KEYS do
  local fi = tonumber(ARGV[2 * k - 1])
  local cur = redis.call('HGET', KEYS[k], 'i')
  local ok = 1
  if cur then
    local ci = tonumber(cur)
    if ci > fi then ok = 0 elseif ci == fi and redis.call('HGET', KEYS[k], 'v') ~= '' then ok = 0 end
  end
  if ok == 1 then redis.call('HSET', KEYS[k], 'i', ARGV[2 * k - 1], 'v', ARGV[2 * k]) end
  out[k] = ok
end
return out`;

/** Stocks per fillMany script call (larger lists are split into several calls). */
export const FILL_MANY_KEYS_MAX = 256;

const INVALIDATE_LUA = `
local cur = redis.call('HGET', KEYS[1], 'i')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'i', ARGV[1], 'v', '')
return 1`;

type ScriptedRedis = Redis & {
  bazaarStockInvalidate(key: string, index: string): Promise<number>;
  bazaarStockFillMany(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number[]>;
};

/** One stock state to install at its applied index (fillMany). */
export interface CacheFill {
  readonly name: string;
  readonly stock: StockState;
  readonly index: number;
}

type Operation = () => Promise<unknown>;

function validateOptions(options: StockCacheOptions): void {
  if (!/^rediss?:\/\//.test(options.redisUrl)) throw new Error(`redisUrl must start with redis:// or rediss://, got "${options.redisUrl}"`);
  if (options.keyPrefix.length === 0) throw new Error('keyPrefix must be non-empty');
  for (const field of ['opTimeoutMs', 'connectTimeoutMs', 'reconnectDelayMaxMs', 'breakerResetMs', 'breakerVolumeThreshold'] as const) {
    const value = options[field];
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${field} must be an integer >= 1, got ${value}`);
  }
}

function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`cache index must be a safe integer >= 0, got ${index}`);
}

export class StockCache {
  private readonly redis: ScriptedRedis;
  private readonly breaker: CircuitBreaker<[Operation], unknown>;
  private readonly counters: StockCacheStats = { hits: 0, misses: 0, writes: 0, superseded: 0, unavailable: 0 };

  constructor(private readonly options: StockCacheOptions) {
    validateOptions(options);
    this.redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.opTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), options.reconnectDelayMaxMs),
    }) as ScriptedRedis;
    this.redis.on('error', (err: Error) => options.logger?.debug({ err: err.message }, 'stock cache redis error'));
    this.redis.defineCommand('bazaarStockInvalidate', { numberOfKeys: 1, lua: INVALIDATE_LUA });
    this.redis.defineCommand('bazaarStockFillMany', { lua: FILL_MANY_LUA });
    this.breaker = new CircuitBreaker((operation: Operation) => operation(), {
      timeout: options.opTimeoutMs,
      resetTimeout: options.breakerResetMs,
      errorThresholdPercentage: 50,
      volumeThreshold: options.breakerVolumeThreshold,
      rollingCountTimeout: 10_000,
      ...BREAKER_BOOKKEEPING,
    });
    this.breaker.on('open', () => options.logger?.warn('stock cache breaker open: serving without Redis'));
    this.breaker.on('close', () => options.logger?.info('stock cache breaker closed: Redis back'));
  }

  breakerState(): BreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  stats(): Readonly<StockCacheStats> {
    return { ...this.counters };
  }

  /** The cached state of `name` if it is a value at index >= minIndex; null otherwise (or on any failure). */
  async get(name: string, minIndex: number): Promise<CachedStock | null> {
    assertIndex(minIndex);
    const raw = await this.run(() => this.redis.hmget(this.key(name), 'i', 'v'));
    const entry = raw === undefined ? null : this.decode(name, raw);
    if (entry === null || entry.index < minIndex) {
      this.counters.misses += 1;
      return null;
    }
    this.counters.hits += 1;
    return entry;
  }

  /** Install the state of `name` at applied index `index` (fenced; see the header). */
  async fill(name: string, stock: StockState, index: number): Promise<CacheWriteOutcome> {
    const [outcome] = await this.fillMany([{ name, stock, index }]);
    return outcome as CacheWriteOutcome;
  }

  /**
   * `fill` of several stocks (distinct names) in one script call per FILL_MANY_KEYS_MAX: the
   * leader publishes a whole applied batch with one Redis round trip and one breaker call. Each
   * key is fenced on its own exactly as by `fill`; one outcome per item, in order.
   */
  async fillMany(items: readonly CacheFill[]): Promise<CacheWriteOutcome[]> {
    const names = new Set<string>();
    for (const { name, stock, index } of items) {
      assertIndex(index);
      if (stock.name !== name) throw new Error(`fill of ${name} with the state of ${stock.name}`);
      if (names.has(name)) throw new Error(`fillMany lists ${name} twice`);
      names.add(name);
    }
    const outcomes: CacheWriteOutcome[] = [];
    for (let from = 0; from < items.length; from += FILL_MANY_KEYS_MAX) {
      outcomes.push(...(await this.fillChunk(items.slice(from, from + FILL_MANY_KEYS_MAX))));
    }
    return outcomes;
  }

  private async fillChunk(items: readonly CacheFill[]): Promise<CacheWriteOutcome[]> {
    const args = [...items.map((item) => this.key(item.name)), ...items.flatMap((item) => [String(item.index), JSON.stringify(stockToTuple(item.stock))])];
    const results = await this.run(() => this.redis.bazaarStockFillMany(items.length, ...args));
    if (results === undefined || !Array.isArray(results) || results.length !== items.length) {
      return items.map(() => 'unavailable');
    }
    return results.map((result) => this.outcomeOf(result));
  }

  /** Mark `name` changed at `index`: older values can no longer be installed or served. */
  invalidate(name: string, index: number): Promise<CacheWriteOutcome> {
    assertIndex(index);
    return this.write(() => this.redis.bazaarStockInvalidate(this.key(name), String(index)));
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    this.redis.disconnect();
    await Promise.resolve();
  }

  private key(name: string): string {
    return `${this.options.keyPrefix}${name}`;
  }

  private async write(operation: () => Promise<number>): Promise<CacheWriteOutcome> {
    const result = await this.run(operation);
    return result === undefined ? 'unavailable' : this.outcomeOf(result);
  }

  private outcomeOf(result: number): CacheWriteOutcome {
    if (result === 1) {
      this.counters.writes += 1;
      return 'written';
    }
    this.counters.superseded += 1;
    return 'superseded';
  }

  /** Run through the breaker; undefined when Redis failed, timed out or the breaker is open. */
  private async run<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return (await this.breaker.fire(operation)) as T;
    } catch (err) {
      this.counters.unavailable += 1;
      this.options.logger?.debug({ err: (err as Error).message }, 'stock cache unavailable');
      return undefined;
    }
  }

  private decode(name: string, raw: (string | null)[]): CachedStock | null {
    const [index, value] = raw;
    if (index === null || index === undefined || value === null || value === undefined || value === '') return null;
    try {
      const parsedIndex = Number(index);
      const stock = stockFromTuple(JSON.parse(value));
      if (!Number.isSafeInteger(parsedIndex) || stock.name !== name) throw new Error('entry does not match its key');
      return { index: parsedIndex, stock };
    } catch (err) {
      this.options.logger?.warn({ name, err: (err as Error).message }, 'stock cache entry unreadable: treated as a miss');
      return null;
    }
  }
}
