/**
 * A small HTTP client of the Bazaar REST contract (DESIGN.md §4) for slow tests. Every call is
 * bounded by a timeout; a timeout or a connection error is reported as status 0 (outcome unknown).
 */

export const CLIENT_TIMEOUT_MS_DEFAULT = 5_000;

export interface HttpResult<T> {
  /** HTTP status, or 0 when there was no answer (timeout, connection refused/reset). */
  readonly status: number;
  readonly body: T | null;
  readonly retryAfter: string | null;
  readonly elapsedMs: number;
  readonly error: string | null;
}

export interface StockData {
  readonly name: string;
  readonly price: number | null;
  readonly quantity: number;
  readonly volume: number;
}

export interface OrderData {
  readonly number: number;
  readonly name: string;
  readonly type: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly price: number | null;
}

/** A response body of the contract: `data` on 200, `error` on 4xx/5xx. */
export interface ContractBody<T> {
  readonly data?: T;
  readonly error?: { readonly code: number; readonly message: string };
}

export interface TradeBody {
  readonly name: string;
  readonly quantity: number;
  readonly type: 'BUY' | 'SELL';
}

async function call<T>(url: string, init: RequestInit, timeoutMs: number): Promise<HttpResult<T>> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: T | null = null;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = null;
    }
    return { status: res.status, body, retryAfter: res.headers.get('retry-after'), elapsedMs: performance.now() - started, error: null };
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    const error = `${(err as Error).message}${typeof cause === 'string' ? ` (${cause})` : ''}`;
    return { status: 0, body: null, retryAfter: null, elapsedMs: performance.now() - started, error };
  }
}

export function postTrade(
  base: string,
  trade: TradeBody,
  options: { idempotencyKey?: string; timeoutMs?: number } = {},
): Promise<HttpResult<ContractBody<{ transaction_number: number }>>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  return call(`${base}/orders`, { method: 'POST', headers, body: JSON.stringify(trade) }, options.timeoutMs ?? CLIENT_TIMEOUT_MS_DEFAULT);
}

export function getStock(
  base: string,
  name: string,
  options: { stale?: boolean; timeoutMs?: number } = {},
): Promise<HttpResult<ContractBody<StockData>>> {
  const q = `stockname=${encodeURIComponent(name)}${options.stale === true ? '&consistency=stale' : ''}`;
  return call(`${base}/stocks?${q}`, { method: 'GET' }, options.timeoutMs ?? CLIENT_TIMEOUT_MS_DEFAULT);
}

export function getOrder(base: string, number: number, options: { timeoutMs?: number } = {}): Promise<HttpResult<ContractBody<OrderData>>> {
  return call(`${base}/orders?order-number=${number}`, { method: 'GET' }, options.timeoutMs ?? CLIENT_TIMEOUT_MS_DEFAULT);
}

/** Read a stock, retrying 503/no answer until `timeoutMs` (for checks after a fault). */
export async function getStockEventually(base: string, name: string, options: { stale?: boolean; timeoutMs?: number } = {}): Promise<StockData> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: HttpResult<ContractBody<StockData>> | null = null;
  while (Date.now() < deadline) {
    last = await getStock(base, name, { ...(options.stale === undefined ? {} : { stale: options.stale }) });
    if (last.status === 200 && last.body?.data !== undefined) return last.body.data;
    if (last.status !== 503 && last.status !== 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`GET /stocks?stockname=${name} on ${base}: status ${last?.status} ${JSON.stringify(last?.body)} ${last?.error ?? ''}`);
}

/** Look up an order, retrying 503/no answer until `timeoutMs`; null on 404. */
export async function getOrderEventually(base: string, number: number, timeoutMs = 20_000): Promise<OrderData | null> {
  const deadline = Date.now() + timeoutMs;
  let last: HttpResult<ContractBody<OrderData>> | null = null;
  while (Date.now() < deadline) {
    last = await getOrder(base, number);
    if (last.status === 200 && last.body?.data !== undefined) return last.body.data;
    if (last.status === 404) return null;
    if (last.status !== 503 && last.status !== 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`GET /orders?order-number=${number} on ${base}: status ${last?.status} ${JSON.stringify(last?.body)} ${last?.error ?? ''}`);
}

/** True when the request provably never reached a server (the connection was refused). */
export function neverSent(result: HttpResult<unknown>): boolean {
  return result.status === 0 && result.error !== null && result.error.includes('ECONNREFUSED');
}
