/**
 * The workload client: one HTTP request per op against the Bazaar REST contract (DESIGN.md
 * section 4), over an undici Agent with keep-alive, a bounded number of connections per node
 * and a per-request timeout.
 *
 * Outcome rules (the history's ok/fail/info). `fail` is a promise that the request had no
 * effect; when in doubt the answer is `info`.
 *  Trades (POST /orders):
 *   - 200 {"data":{"transaction_number":n}}     -> ok {qty, filled:true, tx:n}
 *   - 409 on a BUY (insufficient quantity)      -> ok {qty, filled:false}
 *   - 400, 404, 405, 413, 415, 422              -> fail (rejected before execution)
 *   - 503 whose body says {"error":{..., "executed": false}} -> fail (the server guarantees it)
 *   - any other 503, 500, 504, other statuses, a 200 with a body we cannot read -> info: a
 *     follower's forward or a leader's proposal may have been committed after the answer
 *   - connection refused / connect timeout (nothing was sent)                    -> fail
 *   - request timeout, reset or closed socket after sending                      -> info
 *  Reads (GET /stocks, GET /orders) have no effect: any error or timeout is `fail`.
 *   - GET /stocks 200 -> ok {quantity}; GET /orders 200 -> ok {tx,name,type,quantity};
 *     GET /orders 404 -> ok {tx, found:false}.
 */
import { Agent, request as undiciRequest } from 'undici';
import type { Request } from './generator.js';
import { OpF } from './history.js';
import type { Client, Completion } from './interfaces.js';

export interface HttpClientOptions {
  /** Node id -> HTTP base URL. */
  nodeUrls: Readonly<Record<string, string>>;
  /** URLs of nodes added while the run goes on (membership changes; see member-directory.ts). */
  urlOf?: (node: string) => string | undefined;
  /** Whole-request timeout (headers and body). */
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Bound on open connections per node. */
  connectionsPerNodeMax: number;
  /** 'stale' adds consistency=stale to stock reads (expected to fail linearizability). */
  consistency: 'linearizable' | 'stale';
}

/** Errors meaning the request never reached the server. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** Statuses a trade can get only when it was rejected before execution. */
const REJECTED_STATUSES: ReadonlySet<number> = new Set([400, 404, 405, 413, 415, 422]);
const RESPONSE_BODY_BYTES_MAX = 64 * 1024;

export function validateHttpClientOptions(o: HttpClientOptions): void {
  if (Object.keys(o.nodeUrls).length === 0) throw new Error('client: nodeUrls must name at least one node');
  for (const [id, url] of Object.entries(o.nodeUrls)) {
    if (!/^https?:\/\/[^/]+$/.test(url)) throw new Error(`client: node ${id} URL must be http(s)://host:port with no path, got "${url}"`);
  }
  const int = (name: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`client: ${name} must be an integer >= 1, got ${v}`);
  };
  int('requestTimeoutMs', o.requestTimeoutMs);
  int('connectTimeoutMs', o.connectTimeoutMs);
  int('connectionsPerNodeMax', o.connectionsPerNodeMax);
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (typeof e.code === 'string') return e.code;
  if (typeof e.cause?.code === 'string') return e.cause.code;
  return typeof e.name === 'string' ? e.name : 'UNKNOWN';
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function dataOf(body: unknown): Record<string, unknown> | null {
  return isRecord(body) && isRecord(body['data']) ? body['data'] : null;
}

/** Maps a trade's HTTP answer to a completion (see the file comment). */
export function tradeCompletion(f: 'buy' | 'sell', qty: number, answer: HttpAnswer): Completion {
  const { status, body } = answer;
  if (status === 200) {
    const tx = dataOf(body)?.['transaction_number'];
    if (typeof tx === 'number' && Number.isSafeInteger(tx) && tx >= 1) return { type: 'ok', value: { qty, filled: true, tx } };
    return { type: 'info', value: null, error: `200 without a transaction_number: ${JSON.stringify(body).slice(0, 200)}` };
  }
  if (status === 409 && f === OpF.Buy) return { type: 'ok', value: { qty, filled: false } };
  if (REJECTED_STATUSES.has(status)) return { type: 'fail', value: null, error: `HTTP ${status}` };
  const err = isRecord(body) && isRecord(body['error']) ? body['error'] : null;
  if (status === 503 && err?.['executed'] === false) return { type: 'fail', value: null, error: 'HTTP 503 (not executed)' };
  return { type: 'info', value: null, error: `HTTP ${status}` };
}

export function stockReadCompletion(answer: HttpAnswer): Completion {
  const q = dataOf(answer.body)?.['quantity'];
  if (answer.status === 200 && typeof q === 'number' && Number.isSafeInteger(q) && q >= 0) return { type: 'ok', value: { quantity: q } };
  return { type: 'fail', value: null, error: `HTTP ${answer.status}` };
}

export function orderReadCompletion(tx: number, answer: HttpAnswer): Completion {
  if (answer.status === 404) return { type: 'ok', value: { tx, found: false } };
  const d = dataOf(answer.body);
  const ok = answer.status === 200 && d !== null && typeof d['name'] === 'string' && (d['type'] === 'BUY' || d['type'] === 'SELL') && typeof d['quantity'] === 'number';
  if (!ok) return { type: 'fail', value: null, error: `HTTP ${answer.status}` };
  return { type: 'ok', value: { tx, name: (d['name'] as string).toLowerCase(), type: d['type'], quantity: d['quantity'] } };
}

export class HttpClient implements Client {
  private readonly agent: Agent;

  constructor(private readonly o: HttpClientOptions) {
    validateHttpClientOptions(o);
    this.agent = new Agent({
      connections: o.connectionsPerNodeMax,
      connect: { timeout: o.connectTimeoutMs },
      headersTimeout: o.requestTimeoutMs,
      bodyTimeout: o.requestTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  invokeValue(request: Request): { f: OpF; key: string | null; value: unknown } {
    if (request.f === OpF.ReadOrder) return { f: request.f, key: null, value: { tx: request.tx } };
    if (request.f === OpF.Read) return { f: request.f, key: request.key, value: null };
    return { f: request.f, key: request.key, value: { qty: request.qty, idempotency_key: request.idempotencyKey } };
  }

  async invoke(node: string, request: Request): Promise<Completion> {
    const base = this.o.nodeUrls[node] ?? this.o.urlOf?.(node);
    if (base === undefined) throw new Error(`client: unknown node ${node}`);
    const isTrade = request.f === OpF.Buy || request.f === OpF.Sell;
    let answer: HttpAnswer;
    try {
      answer = await this.send(base, request);
    } catch (err) {
      const code = errorCode(err);
      const notSent = NOT_SENT_CODES.has(code);
      if (!isTrade || notSent) return { type: 'fail', value: null, error: code };
      return { type: 'info', value: null, error: code };
    }
    switch (request.f) {
      case OpF.Buy:
      case OpF.Sell:
        return tradeCompletion(request.f, request.qty, answer);
      case OpF.Read:
        return stockReadCompletion(answer);
      case OpF.ReadOrder:
        return orderReadCompletion(request.tx, answer);
    }
  }

  private async send(base: string, request: Request): Promise<HttpAnswer> {
    const signal = AbortSignal.timeout(this.o.requestTimeoutMs);
    let path: string;
    let init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = { method: 'GET' };
    if (request.f === OpF.Read) {
      const stale = this.o.consistency === 'stale' ? '&consistency=stale' : '';
      path = `/stocks?stockname=${encodeURIComponent(request.key)}${stale}`;
    } else if (request.f === OpF.ReadOrder) {
      path = `/orders?order-number=${request.tx}`;
    } else {
      path = '/orders';
      const body = JSON.stringify({ name: request.key, quantity: request.qty, type: request.f === OpF.Buy ? 'BUY' : 'SELL' });
      init = { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey }, body };
    }
    const res = await undiciRequest(`${base}${path}`, { ...init, dispatcher: this.agent, signal });
    const text = await res.body.text();
    if (Buffer.byteLength(text) > RESPONSE_BODY_BYTES_MAX) return { status: res.statusCode, body: null };
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: res.statusCode, body };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
