import type { Entry } from '../../raft/index.js';
import type { StateMachine } from '../../raft/index.js';
import type { ApplyResult, StockState } from '../bazaar/model.js';
import { assert } from '../errors.js';
import { CoalescingPublisher } from './cache-publisher.js';
import type { CacheFill, StockCache } from './stock-cache.js';

/**
 * The two read paths of /stocks and the leader's publishing of trades, over the protocol of
 * stock-cache.ts (read its header first).
 */

/** What the reader needs of the local state machine (BazaarStateMachine has it). */
export interface LocalStocks {
  getStock(name: string): StockState | null;
  readonly lastApplied: number;
}

export interface StockReaderDeps {
  readonly local: LocalStocks;
  /** Raft ReadIndex barrier: resolves with r once the local state machine applied r. */
  readonly readBarrier: () => Promise<number>;
  /** null: run without Redis. */
  readonly cache: StockCache | null;
}

export type StockSource = 'local' | 'cache';

/** Stocks whose last Redis-served state a node remembers (the catalog is ~1,000). */
export const SERVED_FROM_CACHE_MAX = 100_000;

export interface StockRead {
  readonly stock: StockState | null;
  /** Index the returned state is at least as new as. */
  readonly index: number;
  readonly source: StockSource;
}

export class StockReader {
  /** Per stock, the newest state this node served from Redis (bounded; oldest dropped). */
  private readonly servedFromCache = new Map<string, { stock: StockState; index: number }>();
  /** Per stock, the modifiedIndex this node last filled into Redis: one fill per version. */
  private readonly filledVersion = new Map<string, number>();

  constructor(private readonly deps: StockReaderDeps) {}

  /** Linearizable: after the ReadIndex barrier, the local state (at lastApplied >= r) answers. */
  async readLinearizable(name: string): Promise<StockRead> {
    const readIndex = await this.deps.readBarrier();
    const applied = this.deps.local.lastApplied;
    assert(applied >= readIndex, `read barrier resolved at ${readIndex} with applied ${applied}`);
    const stock = this.deps.local.getStock(name);
    if (stock !== null) this.fillInBackground(stock, applied);
    return { stock, index: applied, source: 'local' };
  }

  /**
   * Stale: no ReadIndex. The newer (by index) of the local state and the Redis entry; never
   * staler than the local state.
   */
  async readStale(name: string): Promise<StockRead> {
    const applied = this.deps.local.lastApplied;
    const stock = this.deps.local.getStock(name);
    if (stock === null || this.deps.cache === null) return { stock, index: applied, source: 'local' };
    const cached = await this.deps.cache.get(name, applied + 1);
    if (cached !== null) {
      this.rememberServed(name, cached.stock, cached.index);
      return { stock: cached.stock, index: cached.index, source: 'cache' };
    }
    // Redis had nothing newer (or did not answer in time): never go back behind a value this
    // node already served from Redis, so one node's stale reads do not run backwards.
    const served = this.servedFromCache.get(name);
    if (served !== undefined && served.index > this.deps.local.lastApplied) {
      return { stock: served.stock, index: served.index, source: 'cache' };
    }
    this.servedFromCache.delete(name);
    return { stock, index: applied, source: 'local' };
  }

  private rememberServed(name: string, stock: StockState, index: number): void {
    const prev = this.servedFromCache.get(name);
    if (prev !== undefined && prev.index >= index) return;
    if (prev === undefined && this.servedFromCache.size >= SERVED_FROM_CACHE_MAX) {
      const oldest = this.servedFromCache.keys().next().value;
      if (oldest !== undefined) this.servedFromCache.delete(oldest);
    }
    this.servedFromCache.set(name, { stock, index });
  }

  private fillInBackground(stock: StockState, applied: number): void {
    const cache = this.deps.cache;
    if (cache === null || (this.filledVersion.get(stock.name) ?? -1) >= stock.modifiedIndex) return;
    this.filledVersion.set(stock.name, stock.modifiedIndex);
    void cache.fill(stock.name, stock, applied).then((outcome) => {
      if (outcome === 'unavailable') this.filledVersion.delete(stock.name);
    });
  }
}

/**
 * Wraps the bazaar state machine for the Raft driver: on the leader, each applied trade's new
 * stock value is published to Redis at the trade's index, starting as soon as the apply computed
 * it, beside the state machine's LevelDB write and before the driver answers the trade (the
 * results reach the driver's `onResults` right after the publish is handed over). Neither the
 * answer nor the Raft Ready loop waits for Redis. Publishes are coalesced (cache-publisher.ts:
 * one in flight, later batches merged into the next), bounded by the cache's timeouts and
 * breaker and PUBLISH_PENDING_STOCKS_MAX. Correctness does not depend on them (see
 * stock-cache.ts): a linearizable read accepts a cached value only at an index at least its
 * ReadIndex, which no entry older than an answered trade can meet. They only make stale reads
 * on a lagging node fresher. Fills are index-fenced, so merging and order do not matter.
 */
export function withCachePublishing(machine: StateMachine<ApplyResult>, cache: StockCache, isLeader: () => boolean): StateMachine<ApplyResult> {
  const publisher = new CoalescingPublisher((fills) => cache.fillMany(fills));
  return {
    appliedIndex: () => machine.appliedIndex(),
    checkpoint: () => machine.checkpoint(),
    snapshotChunks: (index, chunkBytesMax) => machine.snapshotChunks(index, chunkBytesMax),
    restore: (meta, chunks) => machine.restore(meta, chunks),
    apply: async (entries, onResults) => {
      if (!isLeader() || entries.length === 0) return machine.apply(entries, onResults);
      await publisher.room();
      return machine.apply(entries, (results) => {
        publisher.add(fillsOf(entries, results));
        onResults?.(results);
      });
    },
  };
}

/** The fills of an applied batch: each stock it changed, at its last change's index. */
export function fillsOf(entries: readonly Entry[], results: readonly ApplyResult[]): CacheFill[] {
  const latest = new Map<string, CacheFill>();
  results.forEach((result, i) => {
    const entry = entries[i];
    if (result !== null && result.ok && !result.replayed && entry !== undefined) {
      latest.set(result.stock.name, { name: result.stock.name, stock: result.stock, index: entry.index });
    }
  });
  return [...latest.values()];
}
