/** The listing halves of GET /stocks and GET /orders (the single reads stay in bazaar-routes.ts). */
import { normalizeSymbol } from '../catalog/symbols.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import type { BazaarBackend } from './backend.js';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from './listing.js';

export interface StocksQuery {
  readonly stockname?: string;
  readonly consistency?: string;
  readonly prefix?: string;
  readonly after?: string;
  readonly limit?: string;
}

export interface OrdersQuery {
  readonly 'order-number'?: string;
  readonly after?: string;
  readonly before?: string;
  readonly limit?: string;
}

function invalid(message: string): BazaarError {
  return new BazaarError(BazaarErrorCode.InvalidRequest, message);
}

function limitOf(raw: string | undefined): number {
  const limit = raw === undefined ? LIST_LIMIT_DEFAULT : Number(raw);
  if (limit > LIST_LIMIT_MAX) throw invalid(`querystring/limit must be 1..${LIST_LIMIT_MAX}, got ${limit}`);
  return limit;
}

/** 400 unless the query is a single read or a listing, not a mix of both. */
export function checkNotMixed(single: string, present: boolean, query: object, listingKeys: readonly string[]): void {
  const mixed = listingKeys.filter((k) => k in query);
  if (present && mixed.length > 0) throw invalid(`${single} reads one item: drop ${mixed.join(', ')} (or drop ${single} to list)`);
}

export async function listStocksHandler(backend: BazaarBackend, query: StocksQuery): Promise<object> {
  if (query.consistency !== undefined) throw invalid('consistency applies to a stockname read only (listings are linearizable)');
  const page = await backend.listStocks({
    prefix: normalizeSymbol(query.prefix ?? ''),
    after: query.after === undefined ? null : normalizeSymbol(query.after),
    limit: limitOf(query.limit),
  });
  return { data: page.stocks, next: page.next };
}

export async function listOrdersHandler(backend: BazaarBackend, query: OrdersQuery): Promise<object> {
  if (query.after !== undefined && query.before !== undefined) throw invalid('give after (ascending) or before (newest first), not both');
  const page = await backend.listOrders({
    after: query.after === undefined ? null : Number(query.after),
    before: query.before === undefined ? null : Number(query.before),
    limit: limitOf(query.limit),
  });
  return { data: page.orders, next: page.next, last_transaction_number: page.lastTransactionNumber };
}
