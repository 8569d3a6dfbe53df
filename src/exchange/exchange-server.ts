import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createRng, type Rng } from '../../common/rng.js';
import { timingSafeEqual } from 'node:crypto';
import { applyFaultUpdate, NO_FAULTS, type Faults } from './faults.js';
import { hashString, quoteAt, type Quote, type WalkOptions } from './price-walk.js';

/** Symbols per batch request (`GET /mock/tickers?symbols=...`). */
export const BATCH_SYMBOLS_MAX = 500;
/** Header carrying the fault token on `POST /mock/faults` and `POST /mock/faults/reset`. */
export const FAULT_TOKEN_HEADER = 'x-fault-token';

export interface ExchangeServerOptions {
  id: string;
  seed: number;
  stepMs: number;
  symbols: readonly string[];
  faults: Faults;
  /** When set, changing faults needs this token in `x-fault-token` (401 otherwise). */
  faultToken?: string;
  /** Clock (ms since epoch); injectable for tests. */
  nowMs?: () => number;
}

export interface ExchangeStats {
  /** Ticker requests received (single + batch), including failed and reset ones. */
  requests: number;
  tickerRequests: number;
  batchRequests: number;
  quotesServed: number;
  errorsInjected: number;
  connectionsReset: number;
}

/**
 * "down" choice: ticker requests get their TCP connection reset (RST via
 * `socket.resetAndDestroy()`), so clients see ECONNRESET exactly as with a crashed venue,
 * while `/mock/faults`, `/mock/stats` and `/health` on the same port keep answering. One port
 * per exchange keeps the launcher's port plan (8081-8083) simple.
 */
export function buildExchangeServer(options: ExchangeServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, keepAliveTimeout: 30_000 });
  const state = new ExchangeState(options);

  app.addHook('onRequest', async (request, reply) => rejectRepeatedQuery(request, reply));
  app.addHook('onRequest', async (request, reply) => injectFaults(state, options.id, request, reply));

  app.get<{ Params: { symbol: string } }>('/mock/ticker/:symbol', async (request, reply) => {
    state.stats.tickerRequests++;
    const symbol = request.params.symbol.trim().toLowerCase();
    if (!state.known.has(symbol)) return reply.code(404).send(errorBody(404, `unknown symbol "${symbol}"`));
    return state.quote(symbol);
  });

  app.get<{ Querystring: { symbols?: string } }>('/mock/tickers', async (request, reply) => {
    state.stats.batchRequests++;
    const symbols = parseSymbolList(request.query.symbols);
    if (symbols.length === 0) return reply.code(400).send(errorBody(400, 'symbols query parameter is required'));
    if (symbols.length > BATCH_SYMBOLS_MAX) {
      return reply.code(400).send(errorBody(400, `at most ${BATCH_SYMBOLS_MAX} symbols per request, got ${symbols.length}`));
    }
    const unknown = symbols.filter((s) => !state.known.has(s));
    if (unknown.length > 0) return reply.code(404).send(errorBody(404, `unknown symbols: ${unknown.slice(0, 10).join(',')}`));
    return symbols.map((s) => state.quote(s));
  });

  app.get('/mock/faults', async () => state.faults);
  app.post('/mock/faults', async (request, reply) => {
    if (!faultTokenMatches(options.faultToken, request)) return reply.code(401).send(errorBody(401, `missing or wrong ${FAULT_TOKEN_HEADER}`));
    try {
      state.setFaults(applyFaultUpdate(state.faults, request.body));
    } catch (err) {
      return reply.code(400).send(errorBody(400, (err as Error).message));
    }
    return state.faults;
  });
  app.post('/mock/faults/reset', async (request, reply) => {
    if (!faultTokenMatches(options.faultToken, request)) return reply.code(401).send(errorBody(401, `missing or wrong ${FAULT_TOKEN_HEADER}`));
    state.setFaults({ ...NO_FAULTS });
    return state.faults;
  });

  app.get<{ Querystring: { symbols?: string } }>('/mock/stats', async (request) => {
    const symbols = parseSymbolList(request.query.symbols);
    const perSymbol: Record<string, number> = {};
    for (const s of symbols) perSymbol[s] = state.perSymbol.get(s) ?? 0;
    return { id: options.id, ...state.stats, perSymbol };
  });
  app.post('/mock/stats/reset', async () => {
    state.resetStats();
    return { id: options.id, ...state.stats };
  });
  app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url}`)));
  return app;
}

/** Ticker requests: count, then apply the current faults (down, latency, injected errors). */
async function injectFaults(state: ExchangeState, id: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (!request.url.startsWith('/mock/ticker')) return undefined;
  state.stats.requests++;
  if (state.faults.down) {
    state.stats.connectionsReset++;
    reply.hijack();
    request.raw.socket.resetAndDestroy();
    return reply;
  }
  const delayMs = state.faults.latencyMs + (state.faults.jitterMs > 0 ? state.rng.int(0, state.faults.jitterMs) : 0);
  if (delayMs > 0) await sleep(delayMs);
  if (state.faults.errorRate > 0 && state.rng.chance(state.faults.errorRate)) {
    state.stats.errorsInjected++;
    return reply.code(500).send(errorBody(500, `exchange ${id}: injected error`));
  }
  return undefined;
}

/** A query parameter given twice (`?symbols=a&symbols=b`) is ambiguous: 400, never a guess. */
async function rejectRepeatedQuery(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const query = request.query as Record<string, unknown> | undefined;
  const repeated = Object.entries(query ?? {}).find(([, value]) => Array.isArray(value));
  if (repeated === undefined) return undefined;
  return reply.code(400).send(errorBody(400, `query parameter "${repeated[0]}" given more than once; use one comma-separated value`));
}

function faultTokenMatches(token: string | undefined, request: FastifyRequest): boolean {
  if (token === undefined) return true;
  const given = request.headers[FAULT_TOKEN_HEADER];
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function errorBody(code: number, message: string): { error: { code: number; message: string } } {
  return { error: { code, message } };
}

function parseSymbolList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

class ExchangeState {
  faults: Faults;
  readonly rng: Rng;
  readonly known: ReadonlySet<string>;
  readonly stats: ExchangeStats = emptyStats();
  /** Quotes served per symbol (bounded by the symbol list). */
  readonly perSymbol = new Map<string, number>();
  /** Quotes pinned while frozen (bounded by the symbol list). */
  private readonly frozenQuotes = new Map<string, Quote>();
  private readonly nowMs: () => number;
  private readonly walk: WalkOptions;

  constructor(options: ExchangeServerOptions) {
    this.walk = { seed: options.seed, exchangeId: options.id, stepMs: options.stepMs };
    this.faults = options.faults;
    this.rng = createRng((options.seed ^ hashString(options.id)) >>> 0);
    this.known = new Set(options.symbols);
    this.nowMs = options.nowMs ?? Date.now;
  }

  setFaults(next: Faults): void {
    if (!next.frozen) this.frozenQuotes.clear();
    this.faults = next;
  }

  resetStats(): void {
    Object.assign(this.stats, emptyStats());
    this.perSymbol.clear();
  }

  quote(symbol: string): Quote {
    this.stats.quotesServed++;
    this.perSymbol.set(symbol, (this.perSymbol.get(symbol) ?? 0) + 1);
    let quote = this.faults.frozen ? this.frozenQuotes.get(symbol) : undefined;
    if (quote === undefined) {
      quote = quoteAt(this.walk, symbol, this.nowMs());
      if (this.faults.frozen) this.frozenQuotes.set(symbol, quote);
    }
    if (this.faults.outlierSymbol === symbol) return { ...quote, price: quote.price * this.faults.outlierFactor };
    return quote;
  }
}

function emptyStats(): ExchangeStats {
  return { requests: 0, tickerRequests: 0, batchRequests: 0, quotesServed: 0, errorsInjected: 0, connectionsReset: 0 };
}
