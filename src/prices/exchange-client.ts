import { Pool } from 'undici';
import type { SourceQuote } from './price-types.js';

export interface ExchangeEndpoint {
  /** Id used in metrics and in a price's sources, e.g. `ex1`. */
  id: string;
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  baseUrl: string;
}

export const FetchFailure = {
  Timeout: 'timeout',
  Http: 'http',
  Connection: 'connection',
  BadResponse: 'bad_response',
  BreakerOpen: 'breaker_open',
  /** Not sent: too many symbols already waiting for this exchange (our overload, not its failure). */
  QueueFull: 'queue_full',
} as const;
export type FetchFailure = (typeof FetchFailure)[keyof typeof FetchFailure];

export class ExchangeFetchError extends Error {
  constructor(
    readonly exchange: string,
    readonly reason: FetchFailure,
    message: string,
    /** HTTP status when reason is `http`. */
    readonly status: number | null = null,
  ) {
    super(`exchange ${exchange}: ${message}`);
    this.name = 'ExchangeFetchError';
  }
}

/** Batch size the mock exchange accepts. */
export const EXCHANGE_BATCH_SYMBOLS_MAX = 500;
/** Response body bound: 500 quotes of ~120 bytes, with margin. */
const RESPONSE_BYTES_MAX = 1_000_000;
/** undici's own header/body/connect timers are backstops at this multiple of the request timeout (see ioFairTimeout). */
const POOL_TIMEOUT_FACTOR = 2;

/**
 * An abort signal for a request bound of `timeoutMs` that a busy event loop cannot fake: when
 * the timer fires, the abort waits for the next check phase, after the loop has polled I/O, so
 * a response that arrived in time while the loop was stalled elsewhere (a burst of HTTP
 * requests on this node) is read, not thrown away as a timeout of a healthy exchange.
 */
export function ioFairTimeout(timeoutMs: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  let immediate: NodeJS.Immediate | null = null;
  const timer = setTimeout(() => {
    immediate = setImmediate(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')));
  }, timeoutMs);
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      if (immediate !== null) clearImmediate(immediate);
    },
  };
}

/** HTTP client of one exchange: keep-alive pool, bounded connections, bounded time per request. */
export class ExchangeClient {
  private readonly pool: Pool;

  constructor(
    readonly endpoint: ExchangeEndpoint,
    private readonly timeoutMs: number,
    connectionsMax: number,
  ) {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error(`timeoutMs must be a positive integer, got ${timeoutMs}`);
    this.pool = new Pool(endpoint.baseUrl, {
      connections: connectionsMax,
      headersTimeout: timeoutMs * POOL_TIMEOUT_FACTOR,
      bodyTimeout: timeoutMs * POOL_TIMEOUT_FACTOR,
      connectTimeout: timeoutMs * POOL_TIMEOUT_FACTOR,
    });
  }

  async fetchBatch(symbols: readonly string[]): Promise<SymbolQuote[]> {
    if (symbols.length === 0 || symbols.length > EXCHANGE_BATCH_SYMBOLS_MAX) {
      throw new Error(`fetchBatch needs 1..${EXCHANGE_BATCH_SYMBOLS_MAX} symbols, got ${symbols.length}`);
    }
    const id = this.endpoint.id;
    const deadline = ioFairTimeout(this.timeoutMs);
    let response;
    let text: string;
    try {
      response = await this.pool.request({
        method: 'GET',
        path: `/mock/tickers?symbols=${symbols.map(encodeURIComponent).join(',')}`,
        signal: deadline.signal,
      });
      text = await response.body.text();
    } catch (err) {
      throw classifyRequestError(id, err);
    } finally {
      deadline.clear();
    }
    if (response.statusCode !== 200) {
      throw new ExchangeFetchError(id, FetchFailure.Http, `HTTP ${response.statusCode}: ${text.slice(0, 200)}`, response.statusCode);
    }
    if (text.length > RESPONSE_BYTES_MAX) throw new ExchangeFetchError(id, FetchFailure.BadResponse, `response over ${RESPONSE_BYTES_MAX} bytes`);
    return parseQuotes(id, text);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function classifyRequestError(exchange: string, err: unknown): ExchangeFetchError {
  const e = err as { name?: string; code?: string; message?: string };
  const timeout =
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT';
  const reason = timeout ? FetchFailure.Timeout : FetchFailure.Connection;
  return new ExchangeFetchError(exchange, reason, `${e.code ?? e.name ?? 'error'}: ${e.message ?? String(err)}`);
}

function parseQuotes(exchange: string, text: string): SymbolQuote[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ExchangeFetchError(exchange, FetchFailure.BadResponse, 'response is not JSON');
  }
  if (!Array.isArray(body)) throw new ExchangeFetchError(exchange, FetchFailure.BadResponse, 'response is not an array');
  const quotes: (SourceQuote & { symbol: string })[] = [];
  for (const item of body as unknown[]) {
    const q = item as Record<string, unknown>;
    if (typeof q['symbol'] !== 'string' || typeof q['price'] !== 'number' || typeof q['volume'] !== 'number' || typeof q['timestamp'] !== 'number') {
      throw new ExchangeFetchError(exchange, FetchFailure.BadResponse, `malformed quote ${JSON.stringify(item).slice(0, 100)}`);
    }
    quotes.push({ exchange, symbol: q['symbol'], price: q['price'], volume: q['volume'], timestamp: q['timestamp'] });
  }
  return quotes;
}

export type SymbolQuote = SourceQuote & { symbol: string };
