/**
 * Request coalescing for one exchange. Every fetch of a few symbols (an on-demand refresh of
 * one asset, a tier batch) joins the exchange's open batch; the batch is sent as one
 * `GET /mock/tickers?symbols=...` when its window has passed and a connection is free, or at
 * once when it is full. While every connection is busy the open batch keeps growing (up to
 * `batchSymbolsMax`), so a burst of misses for N assets costs about N / batchSymbolsMax
 * requests, not N.
 *
 * Requests start only on a free connection (`requestsInFlightMax` = the client's pool size):
 * the request timeout and the breaker measure the exchange, never our own queue. Waiting work
 * is bounded by `queuedSymbolsMax` (distinct symbols not yet sent); past it a fetch is refused
 * with `BatcherQueueFullError` before anything is sent, so it does not count as an exchange
 * failure.
 */
import type { SymbolQuote } from './exchange-client.js';

export interface BatcherOptions {
  /** How long the first symbol of a batch waits for others, ms. */
  batchWindowMs: number;
  /** Distinct symbols per request (the exchange's batch limit). */
  batchSymbolsMax: number;
  /** Requests at once; equal to the client's connections so none queues inside the client. */
  requestsInFlightMax: number;
  /** Distinct symbols waiting (open and full batches not yet sent) beyond which fetches are refused. */
  queuedSymbolsMax: number;
}

export function validateBatcherOptions(o: BatcherOptions): BatcherOptions {
  if (!Number.isInteger(o.batchWindowMs) || o.batchWindowMs < 0) throw new Error(`batchWindowMs must be an integer >= 0, got ${o.batchWindowMs}`);
  for (const [name, v] of [
    ['batchSymbolsMax', o.batchSymbolsMax],
    ['requestsInFlightMax', o.requestsInFlightMax],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(o.queuedSymbolsMax) || o.queuedSymbolsMax < o.batchSymbolsMax) {
    throw new Error(`queuedSymbolsMax must be an integer >= batchSymbolsMax (${o.batchSymbolsMax}), got ${o.queuedSymbolsMax}`);
  }
  return o;
}

/** The exchange's queue is full: nothing was sent (operational overload, not an exchange failure). */
export class BatcherQueueFullError extends Error {
  readonly code = 'EQUEUEFULL';

  constructor(
    readonly exchange: string,
    queuedSymbols: number,
    queuedSymbolsMax: number,
  ) {
    super(`exchange ${exchange}: ${queuedSymbols} symbols already waiting for a request (queuedSymbolsMax ${queuedSymbolsMax})`);
    this.name = 'BatcherQueueFullError';
  }
}

/** The batcher was closed before the fetch was sent. */
export class BatcherClosedError extends Error {
  constructor(exchange: string) {
    super(`exchange ${exchange}: fetcher closed`);
    this.name = 'BatcherClosedError';
  }
}

interface Waiter {
  readonly symbols: readonly string[];
  readonly resolve: (quotes: SymbolQuote[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly symbols: Set<string>;
  readonly waiters: Waiter[];
}

export type SendBatch = (symbols: readonly string[]) => Promise<SymbolQuote[]>;

export class ExchangeBatcher {
  /** Batch still accepting symbols. */
  private open: Batch | null = null;
  /** The open batch's window has passed: send it on the next free connection. */
  private openDue = false;
  private windowTimer: NodeJS.Timeout | null = null;
  /** Full batches waiting for a connection, oldest first. */
  private readonly full: Batch[] = [];
  /** Distinct symbols in `open` and `full`. */
  private queued = 0;
  private inFlight = 0;
  private closed = false;
  private requestsSent = 0;

  constructor(
    readonly exchange: string,
    private readonly options: BatcherOptions,
    private readonly send: SendBatch,
  ) {
    validateBatcherOptions(options);
  }

  /** Quotes of `symbols` (those the exchange returned), from the request that carried them. */
  fetch(symbols: readonly string[]): Promise<SymbolQuote[]> {
    if (symbols.length === 0 || symbols.length > this.options.batchSymbolsMax) {
      throw new Error(`fetch needs 1..${this.options.batchSymbolsMax} symbols, got ${symbols.length}`);
    }
    if (this.closed) return Promise.reject(new BatcherClosedError(this.exchange));
    if (this.open !== null && this.open.symbols.size + this.newSymbols(this.open, symbols) > this.options.batchSymbolsMax) this.sealOpen();
    const added = this.open === null ? new Set(symbols).size : this.newSymbols(this.open, symbols);
    if (this.queued + added > this.options.queuedSymbolsMax) {
      return Promise.reject(new BatcherQueueFullError(this.exchange, this.queued, this.options.queuedSymbolsMax));
    }
    const batch = this.open ?? this.openBatch();
    const promise = new Promise<SymbolQuote[]>((resolve, reject) => batch.waiters.push({ symbols, resolve, reject }));
    for (const s of symbols) batch.symbols.add(s);
    this.queued += added;
    if (batch.symbols.size === this.options.batchSymbolsMax) this.sealOpen();
    this.pump();
    return promise;
  }

  /** Distinct symbols waiting to be sent. */
  queuedSymbols(): number {
    return this.queued;
  }

  requestsInFlight(): number {
    return this.inFlight;
  }

  /** Requests sent since creation. */
  requestCount(): number {
    return this.requestsSent;
  }

  /** Refuses new fetches and fails the waiting ones; requests in flight finish on their own. */
  close(): void {
    this.closed = true;
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    this.windowTimer = null;
    const waiting = [...this.full, ...(this.open === null ? [] : [this.open])];
    this.full.length = 0;
    this.open = null;
    this.queued = 0;
    for (const batch of waiting) for (const w of batch.waiters) w.reject(new BatcherClosedError(this.exchange));
  }

  private newSymbols(batch: Batch, symbols: readonly string[]): number {
    let added = 0;
    const seen = new Set<string>();
    for (const s of symbols) {
      if (!batch.symbols.has(s) && !seen.has(s)) added++;
      seen.add(s);
    }
    return added;
  }

  private openBatch(): Batch {
    const batch: Batch = { symbols: new Set(), waiters: [] };
    this.open = batch;
    this.openDue = this.options.batchWindowMs === 0;
    if (!this.openDue) {
      this.windowTimer = setTimeout(() => {
        this.windowTimer = null;
        this.openDue = true;
        this.pump();
      }, this.options.batchWindowMs);
    }
    return batch;
  }

  private sealOpen(): void {
    if (this.open === null) return;
    this.full.push(this.open);
    this.open = null;
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    this.windowTimer = null;
  }

  /** Send full batches, then the open one once its window passed, while connections are free. */
  private pump(): void {
    while (this.inFlight < this.options.requestsInFlightMax) {
      let batch = this.full.shift();
      if (batch === undefined && this.open !== null && this.openDue) {
        batch = this.open;
        this.open = null;
      }
      if (batch === undefined) return;
      this.dispatch(batch);
    }
  }

  private dispatch(batch: Batch): void {
    this.queued -= batch.symbols.size;
    if (this.queued < 0) throw new Error(`exchange batcher ${this.exchange}: queued symbols went negative (${this.queued})`);
    this.inFlight++;
    this.requestsSent++;
    const settle = (quotes: SymbolQuote[] | null, error: unknown): void => {
      this.inFlight--;
      const bySymbol = new Map<string, SymbolQuote>();
      for (const q of quotes ?? []) bySymbol.set(q.symbol, q);
      for (const w of batch.waiters) {
        if (quotes === null) w.reject(error);
        else w.resolve(w.symbols.flatMap((s) => bySymbol.get(s) ?? []));
      }
      this.pump();
    };
    let sent: Promise<SymbolQuote[]>;
    try {
      sent = this.send([...batch.symbols]);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (quotes) => settle(quotes, null),
      (err: unknown) => settle(null, err),
    );
  }
}
