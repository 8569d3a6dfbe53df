/**
 * Fans a batch of symbols out to every exchange, each behind its own opossum circuit breaker,
 * and groups the quotes per symbol. One exchange failing (error, timeout, open breaker) only
 * marks its quotes unavailable; the others still count.
 *
 * Per exchange, concurrent fetches are coalesced (ExchangeBatcher): symbols of fetches that
 * arrive within `batchWindowMs`, or while every connection is busy, go out together in one
 * request of up to EXCHANGE_BATCH_SYMBOLS_MAX symbols. A request is started (and the breaker
 * fired, and its timeout started) only on a free connection, so time spent queued never counts
 * as an exchange timeout and never opens a breaker.
 */
import CircuitBreaker from 'opossum';
import { BREAKER_BOOKKEEPING } from '../../common/breaker-options.js';
import { BatcherQueueFullError, ExchangeBatcher, validateBatcherOptions } from './exchange-batcher.js';
import { PriceFetchOverloadedError } from './price-errors.js';
import {
  ExchangeClient,
  ExchangeFetchError,
  EXCHANGE_BATCH_SYMBOLS_MAX,
  FetchFailure,
  type ExchangeEndpoint,
  type SymbolQuote,
} from './exchange-client.js';
import { BreakerStateValue, type BreakerState, type PriceMetrics } from './price-metrics.js';
import { ExclusionReason, type ExcludedSource, type SourceQuote } from './price-types.js';

export interface BreakerOptions {
  /** Per-request bound, ms, from the moment the request gets a connection (client-side abort). */
  timeoutMs: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Requests in the window before the breaker may open. */
  volumeThreshold: number;
  /** Open -> half-open after this long, ms. */
  resetTimeoutMs: number;
  /** Rolling statistics window, ms. */
  rollingWindowMs: number;
  /** Keep-alive connections per exchange, and requests in flight per exchange. */
  connectionsMax: number;
  /** How long a fetch waits for others to share its exchange request, ms. */
  batchWindowMs: number;
  /** Distinct symbols waiting for a request per exchange beyond which fetches are refused (503). */
  queuedSymbolsMax: number;
}

export const DEFAULT_BREAKER: Readonly<BreakerOptions> = Object.freeze({
  timeoutMs: 1_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 3,
  resetTimeoutMs: 2_000,
  rollingWindowMs: 10_000,
  connectionsMax: 8,
  batchWindowMs: 3,
  // 20 full requests: a 10,000-miss burst over 10,000 distinct assets still fits.
  queuedSymbolsMax: 10_000,
});

export function validateBreakerOptions(o: BreakerOptions): BreakerOptions {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt('timeoutMs', o.timeoutMs);
  positiveInt('volumeThreshold', o.volumeThreshold);
  positiveInt('resetTimeoutMs', o.resetTimeoutMs);
  positiveInt('rollingWindowMs', o.rollingWindowMs);
  positiveInt('connectionsMax', o.connectionsMax);
  validateBatcherOptions(batcherOptions(o));
  if (!(o.errorThresholdPercentage > 0 && o.errorThresholdPercentage <= 100)) {
    throw new Error(`errorThresholdPercentage must be in (0, 100], got ${o.errorThresholdPercentage}`);
  }
  return o;
}

function batcherOptions(o: BreakerOptions): { batchWindowMs: number; batchSymbolsMax: number; requestsInFlightMax: number; queuedSymbolsMax: number } {
  return {
    batchWindowMs: o.batchWindowMs,
    batchSymbolsMax: EXCHANGE_BATCH_SYMBOLS_MAX,
    requestsInFlightMax: o.connectionsMax,
    queuedSymbolsMax: o.queuedSymbolsMax,
  };
}

export interface FetchResult {
  /** symbol -> quotes from the exchanges that answered. */
  quotes: Map<string, SourceQuote[]>;
  /** Exchanges that failed for this batch. */
  unavailable: ExcludedSource[];
  /** Exchanges asked. */
  exchangeCount: number;
}

interface ExchangeLane {
  client: ExchangeClient;
  breaker: CircuitBreaker<[readonly string[]], SymbolQuote[]>;
  batcher: ExchangeBatcher;
}

export class QuoteFetcher {
  private readonly lanes: ExchangeLane[];

  constructor(
    endpoints: readonly ExchangeEndpoint[],
    options: BreakerOptions,
    private readonly metrics: PriceMetrics,
  ) {
    validateBreakerOptions(options);
    if (endpoints.length === 0) throw new Error('at least one exchange endpoint is required');
    const ids = new Set(endpoints.map((e) => e.id));
    if (ids.size !== endpoints.length) throw new Error('exchange ids must be unique');
    this.lanes = endpoints.map((endpoint) => this.makeLane(endpoint, options));
  }

  private makeLane(endpoint: ExchangeEndpoint, options: BreakerOptions): ExchangeLane {
    const client = new ExchangeClient(endpoint, options.timeoutMs, options.connectionsMax);
    const breaker = new CircuitBreaker((symbols: readonly string[]) => this.timedFetch(client, symbols), {
      name: endpoint.id,
      // No opossum timer: the client's abort bounds every request (ioFairTimeout), and a timer
      // here would fire in the same stalled timers phase and count a response already received.
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingWindowMs,
      // A 4xx (e.g. unknown symbol) is our request's fault, not the exchange's health.
      errorFilter: (err: unknown) => err instanceof ExchangeFetchError && err.status !== null && err.status < 500,
      ...BREAKER_BOOKKEEPING,
    });
    const setState = (state: BreakerState): void => {
      this.metrics.breakerState.set({ exchange: endpoint.id }, BreakerStateValue[state]);
    };
    breaker.on('open', () => setState('open'));
    breaker.on('halfOpen', () => setState('half_open'));
    breaker.on('close', () => setState('closed'));
    setState('closed');
    const batcher = new ExchangeBatcher(endpoint.id, batcherOptions(options), (symbols) => breaker.fire(symbols));
    return { client, breaker, batcher };
  }

  private async timedFetch(client: ExchangeClient, symbols: readonly string[]): Promise<SymbolQuote[]> {
    const end = this.metrics.fetchDuration.startTimer({ exchange: client.endpoint.id });
    try {
      return await client.fetchBatch(symbols);
    } finally {
      end();
    }
  }

  /** Breaker state per exchange id. */
  breakerStates(): Record<string, BreakerState> {
    const states: Record<string, BreakerState> = {};
    for (const lane of this.lanes) {
      states[lane.client.endpoint.id] = lane.breaker.opened ? 'open' : lane.breaker.halfOpen ? 'half_open' : 'closed';
    }
    return states;
  }

  exchangeIds(): string[] {
    return this.lanes.map((l) => l.client.endpoint.id);
  }

  /** Requests sent per exchange id since creation (batched: one per coalesced batch). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.lanes.map((l) => [l.client.endpoint.id, l.batcher.requestCount()]));
  }

  /**
   * Fetch quotes of up to EXCHANGE_BATCH_SYMBOLS_MAX symbols from every exchange in parallel
   * (each exchange's request may carry other callers' symbols too). Throws
   * PriceFetchOverloadedError when every exchange's queue is full.
   */
  async fetchAll(symbols: readonly string[]): Promise<FetchResult> {
    if (symbols.length === 0 || symbols.length > EXCHANGE_BATCH_SYMBOLS_MAX) {
      throw new Error(`fetchAll needs 1..${EXCHANGE_BATCH_SYMBOLS_MAX} symbols, got ${symbols.length}`);
    }
    const settled = await Promise.allSettled(this.lanes.map((lane) => lane.batcher.fetch(symbols)));
    if (settled.every((s) => s.status === 'rejected' && s.reason instanceof BatcherQueueFullError)) {
      for (const lane of this.lanes) this.metrics.fetchErrors.inc({ exchange: lane.client.endpoint.id, reason: FetchFailure.QueueFull });
      throw new PriceFetchOverloadedError(symbols.length, (settled[0] as PromiseRejectedResult).reason as BatcherQueueFullError);
    }
    const quotes = new Map<string, SourceQuote[]>(symbols.map((s) => [s, []]));
    const unavailable: ExcludedSource[] = [];
    settled.forEach((outcome, i) => {
      const exchange = (this.lanes[i] as ExchangeLane).client.endpoint.id;
      if (outcome.status === 'rejected') {
        const reason = failureReason(outcome.reason);
        this.metrics.fetchErrors.inc({ exchange, reason });
        unavailable.push({ exchange, reason: ExclusionReason.Unavailable, detail: `${reason}: ${describe(outcome.reason)}` });
        return;
      }
      for (const q of outcome.value) {
        quotes.get(q.symbol)?.push({ exchange, price: q.price, volume: q.volume, timestamp: q.timestamp });
      }
    });
    return { quotes, unavailable, exchangeCount: this.lanes.length };
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) lane.batcher.close();
    for (const lane of this.lanes) lane.breaker.shutdown();
    await Promise.all(this.lanes.map((lane) => lane.client.close()));
  }
}

function failureReason(err: unknown): FetchFailure {
  if (err instanceof ExchangeFetchError) return err.reason;
  if (err instanceof BatcherQueueFullError) return FetchFailure.QueueFull;
  const code = (err as { code?: string }).code;
  if (code === 'EOPENBREAKER') return FetchFailure.BreakerOpen;
  if (code === 'ETIMEDOUT') return FetchFailure.Timeout;
  return FetchFailure.Connection;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
