/**
 * One refresh step for a set of symbols: fetch quotes from every exchange (breakers), aggregate,
 * write history under the term fence, then the latest price to Redis and to memory.
 * Runs only while it holds a term (set by the TieredRefresher when this node leads).
 * Order per batch: history (fence check first) -> Redis -> memory; a deposed writer is refused
 * at the fence before it publishes anything.
 * History writes are group-committed: one store write in flight; points that arrive meanwhile
 * (on-demand refreshes of many assets at once, tier batches) wait and go together in the next
 * write, up to HISTORY_WRITE_POINTS_MAX points, so N concurrent refreshes cost a few DynamoDB
 * round trips instead of N serialized ones.
 */
import type { TierName } from '../catalog/symbols.js';
import { aggregateQuotes, validateAggregationOptions, type AggregationOptions } from './aggregate.js';
import { pointFromPrice, type HistoryPoint, type HistoryStore } from './dynamo-history-store.js';
import { ExchangesUnavailableError, FencedError, NoPriceError, NotLeaderError } from './price-errors.js';
import type { PriceMetrics } from './price-metrics.js';
import type { AggregatedPrice, ExcludedSource } from './price-types.js';
import type { FetchResult } from './quote-fetcher.js';
import type { PricePublisher } from './price-channel.js';
import type { LatestPriceStore } from './redis-price-store.js';
import { SingleFlight } from './single-flight.js';
import type { TierConfig } from './tiers.js';

export interface QuoteSource {
  fetchAll(symbols: readonly string[]): Promise<FetchResult>;
}

export interface PipelineLogger {
  warn(message: string): void;
}

export interface PricePipelineOptions {
  fetcher: QuoteSource;
  /** null: run without Redis. */
  latestStore: LatestPriceStore | null;
  /** null: keep no history. */
  historyStore: HistoryStore | null;
  tierMap: ReadonlyMap<string, TierName>;
  tiers: TierConfig;
  aggregation: AggregationOptions;
  metrics: PriceMetrics;
  /** History points waiting for the (serialized) writer beyond which new points are dropped. */
  historyPendingMax: number;
  /** Assets refreshed on demand at once (single-flight keys). */
  onDemandInFlightMax: number;
  logger: PipelineLogger;
  /** Told every batch of fresh prices once stored (the price stream's channel). */
  publisher?: PricePublisher;
  /** Called once when a history write is refused by the fence (this node is deposed). */
  onFenced?: (term: number) => void;
  nowMs?: () => number;
}

/** How an on-demand refresh may be answered. */
export interface RefreshNowOptions {
  /**
   * For a cache miss first seen at this time (ms since the epoch): a price of the current term
   * published (history, Redis, memory) at or after it answers without a new fetch, since the
   * caller cannot have missed it. Absent (or 0): always fetch (POST /refresh).
   */
  notBeforeMs?: number;
}

export interface RefreshOutcome {
  fresh: Map<string, AggregatedPrice>;
  /** Symbols with no new price, with why. */
  failed: Map<string, ExcludedSource[]>;
  /** True when every exchange failed. */
  allExchangesDown: boolean;
}

/** Points in one group-committed history write (one fence claim, then 25-item batches): a
 * deposed writer's write that passed the fence just before the new term's lands at most this many. */
export const HISTORY_WRITE_POINTS_MAX = 100;

interface HistoryWaiter {
  readonly points: readonly HistoryPoint[];
  readonly term: number;
  readonly settle: (outcome: { ok: true } | { ok: false; error: unknown }) => void;
}

/** Points of one write, one per (asset, timestamp) key (a BatchWriteItem refuses duplicate keys); the last wins. */
export function uniqueHistoryPoints(points: readonly HistoryPoint[]): HistoryPoint[] {
  const byKey = new Map<string, HistoryPoint>();
  for (const p of points) byKey.set(`${p.asset}\u0000${p.timestamp}`, p);
  return [...byKey.values()];
}

export class PricePipeline {
  private term: number | null = null;
  private readonly memory = new Map<string, AggregatedPrice>();
  /** When each price in `memory` was published by refreshSymbols (bounded like `memory`: one per symbol). */
  private readonly publishedAtMs = new Map<string, number>();
  private readonly onDemand: SingleFlight<string, AggregatedPrice>;
  private readonly historyWaiting: HistoryWaiter[] = [];
  private historyWriting = false;
  private historyPending = 0;
  private readonly nowMs: () => number;

  constructor(private readonly options: PricePipelineOptions) {
    validateAggregationOptions(options.aggregation);
    if (!Number.isInteger(options.historyPendingMax) || options.historyPendingMax < 1) {
      throw new Error(`historyPendingMax must be a positive integer, got ${options.historyPendingMax}`);
    }
    this.nowMs = options.nowMs ?? Date.now;
    this.onDemand = new SingleFlight(options.onDemandInFlightMax, () => options.metrics.singleFlightShared.inc());
    options.metrics.setPriceAgeSource(() => this.priceAgesByTier(this.nowMs()));
  }

  /** Set by the refresher: a term while this node leads, null otherwise. */
  setTerm(term: number | null): void {
    if (term !== null && (!Number.isInteger(term) || term < 1)) throw new Error(`term must be an integer >= 1, got ${term}`);
    this.term = term;
  }

  currentTerm(): number | null {
    return this.term;
  }

  /** The price this node last computed (memory; for the trade path). */
  latestPrice(symbol: string): AggregatedPrice | null {
    return this.memory.get(symbol) ?? null;
  }

  /** Seconds since each known price's quote time, per tier. */
  priceAgesByTier(nowMs: number): Record<TierName, number[]> {
    const ages: Record<TierName, number[]> = { hot: [], medium: [], cold: [] };
    for (const [symbol, price] of this.memory) {
      const tier = this.options.tierMap.get(symbol);
      if (tier !== undefined) ages[tier].push(Math.max(0, nowMs - price.timestamp) / 1000);
    }
    return ages;
  }

  /**
   * On-demand refresh of one asset; concurrent calls share one fetch, and concurrent calls for
   * different assets share exchange requests (the fetcher's batchers). With `notBeforeMs`, a
   * price of this term published since then answers without a fetch.
   */
  refreshNow(asset: string, options: RefreshNowOptions = {}): Promise<AggregatedPrice> {
    const published = this.publishedSince(asset, options.notBeforeMs ?? 0);
    if (published !== null) {
      this.options.metrics.singleFlightShared.inc();
      return Promise.resolve(published);
    }
    return this.onDemand.run(asset, async () => {
      const outcome = await this.refreshSymbols([asset]);
      const price = outcome.fresh.get(asset);
      if (price !== undefined) return price;
      const why = (outcome.failed.get(asset) ?? []).map((e) => `${e.exchange} ${e.reason} (${e.detail})`).join(', ') || 'no quotes';
      if (outcome.allExchangesDown) throw new ExchangesUnavailableError(asset, why);
      throw new NoPriceError(asset, why);
    });
  }

  private publishedSince(asset: string, notBeforeMs: number): AggregatedPrice | null {
    if (notBeforeMs <= 0 || this.term === null) return null;
    const price = this.memory.get(asset);
    const publishedMs = this.publishedAtMs.get(asset);
    if (price === undefined || publishedMs === undefined || price.stale || price.term !== this.term) return null;
    return publishedMs >= notBeforeMs ? price : null;
  }

  /** Fetch, aggregate and store a batch (<= 500 symbols). Throws NotLeaderError / FencedError. */
  async refreshSymbols(symbols: readonly string[]): Promise<RefreshOutcome> {
    const term = this.term;
    if (term === null) throw new NotLeaderError();
    const fetched = await this.options.fetcher.fetchAll(symbols);
    if (this.term !== term) throw new NotLeaderError();
    const outcome = this.aggregateAll(symbols, fetched, term);
    const prices = [...outcome.fresh.values()];
    await this.writeHistory(prices.map(pointFromPrice), term);
    if (this.term !== term) throw new NotLeaderError();
    await this.writeLatest(prices);
    this.options.publisher?.publish(prices);
    const publishedMs = this.nowMs();
    for (const price of prices) {
      this.memory.set(price.asset, price);
      this.publishedAtMs.set(price.asset, publishedMs);
    }
    return outcome;
  }

  private aggregateAll(symbols: readonly string[], fetched: FetchResult, term: number): RefreshOutcome {
    const nowMs = this.nowMs();
    const fresh = new Map<string, AggregatedPrice>();
    const failed = new Map<string, ExcludedSource[]>();
    for (const symbol of symbols) {
      const quotes = fetched.quotes.get(symbol) ?? [];
      const previous = this.memory.get(symbol) ?? null;
      const result = aggregateQuotes({ asset: symbol, quotes, unavailable: fetched.unavailable, nowMs, term, previous }, this.options.aggregation);
      const tier = this.options.tierMap.get(symbol) ?? 'cold';
      if (result.fresh) {
        fresh.set(symbol, result.price);
      } else {
        failed.set(symbol, result.excluded);
        if (result.price !== null) this.memory.set(symbol, result.price);
      }
      const outcome = result.fresh ? 'fresh' : result.price !== null ? 'stale' : 'none';
      this.options.metrics.refreshes.inc({ tier, outcome });
    }
    const allExchangesDown = fetched.unavailable.length >= fetched.exchangeCount;
    return { fresh, failed, allExchangesDown };
  }

  /** At most one history write of this writer in flight (see the fence's guarantee); waits for the write that carries `points`. */
  private async writeHistory(points: HistoryPoint[], term: number): Promise<void> {
    const store = this.options.historyStore;
    if (store === null || points.length === 0) return;
    if (this.historyPending + points.length > this.options.historyPendingMax) {
      this.options.metrics.historyDropped.inc(points.length);
      this.options.logger.warn(`history queue full (${this.historyPending} pending): dropped ${points.length} points`);
      return;
    }
    this.historyPending += points.length;
    try {
      const outcome = await new Promise<{ ok: true } | { ok: false; error: unknown }>((settle) => {
        this.historyWaiting.push({ points, term, settle });
        this.startHistoryWrite(store);
      });
      if (!outcome.ok) throw outcome.error;
      this.options.metrics.historyWrites.inc(points.length);
    } catch (err) {
      if (err instanceof FencedError) {
        this.options.metrics.historyFenced.inc();
        if (this.term === term) {
          this.term = null;
          this.options.onFenced?.(term);
        }
        throw err;
      }
      this.options.metrics.historyDropped.inc(points.length);
      this.options.logger.warn(`history write failed (${points.length} points kept out): ${(err as Error).message}`);
    } finally {
      this.historyPending -= points.length;
    }
  }

  /** Group commit: the oldest waiter and those after it of the same term, up to HISTORY_WRITE_POINTS_MAX points. */
  private startHistoryWrite(store: HistoryStore): void {
    const first = this.historyWaiting[0];
    if (this.historyWriting || first === undefined) return;
    const group: HistoryWaiter[] = [];
    let count = 0;
    for (const next of this.historyWaiting) {
      if (next.term !== first.term || (group.length > 0 && count + next.points.length > HISTORY_WRITE_POINTS_MAX)) break;
      group.push(next);
      count += next.points.length;
    }
    this.historyWaiting.splice(0, group.length);
    this.historyWriting = true;
    store
      .write(uniqueHistoryPoints(group.flatMap((w) => w.points)), first.term)
      .then(
        () => ({ ok: true }) as const,
        (error: unknown) => ({ ok: false, error }) as const,
      )
      .then((outcome) => {
        this.historyWriting = false;
        for (const waiter of group) waiter.settle(outcome);
        this.startHistoryWrite(store);
      });
  }

  private async writeLatest(prices: AggregatedPrice[]): Promise<void> {
    const store = this.options.latestStore;
    if (store === null || prices.length === 0) return;
    const entries = prices.map((price) => {
      const tier = this.options.tierMap.get(price.asset) ?? 'cold';
      return { price, ttlSeconds: this.options.tiers[tier].ttlSeconds };
    });
    try {
      await store.putMany(entries);
    } catch (err) {
      this.options.logger.warn(`redis price write failed: ${(err as Error).message}`);
    }
  }
}
