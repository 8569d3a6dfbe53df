/**
 * Paginated listings of orders and stocks, read from the local state machine AFTER the caller's
 * read barrier (ReadIndex/lease: linearizable like the single reads). Pure over the machine's
 * read API: the cut is taken synchronously (last transaction number, catalog), then orders
 * (immutable once applied) are read by number.
 */
import type { OrderRecord, StockState } from '../bazaar/model.js';
import type { OrderListItem, OrderListQuery, OrderPage, StockListQuery, StockPage } from './backend.js';

export const LIST_LIMIT_MAX = 500;
export const LIST_LIMIT_DEFAULT = 50;

export interface ListableMachine {
  readonly lastTransactionNumber: number;
  getOrder(number: number): Promise<OrderRecord | null>;
  getStock(name: string): StockState | null;
  stockNames(): string[];
}

function item(order: OrderRecord): OrderListItem {
  return { number: order.number, name: order.name, type: order.type, quantity: order.quantity, price: order.price, executed_at: order.executedAtMs };
}

/** `after` set: ascending from after+1; else newest first (below `before` if set). Pruned orders are skipped. */
export async function listOrders(machine: ListableMachine, query: OrderListQuery): Promise<OrderPage> {
  const last = machine.lastTransactionNumber;
  const numbers: number[] = [];
  if (query.after !== null) {
    for (let n = query.after + 1; n <= last && numbers.length < query.limit; n++) numbers.push(n);
  } else {
    const top = query.before === null ? last : Math.min(last, query.before - 1);
    for (let n = top; n >= 1 && numbers.length < query.limit; n--) numbers.push(n);
  }
  const orders = (await Promise.all(numbers.map((n) => machine.getOrder(n)))).filter((o): o is OrderRecord => o !== null);
  const tail = numbers.at(-1);
  const more = tail !== undefined && (query.after !== null ? tail < last : tail > 1);
  return { orders: orders.map(item), lastTransactionNumber: last, next: more ? tail : null };
}

/** Names in byte order with `prefix`, strictly after `after`; prices from `priceOf`. */
export async function listStocks(
  machine: ListableMachine,
  query: StockListQuery,
  priceOf: (names: readonly string[]) => Promise<ReadonlyMap<string, number | null>>,
): Promise<StockPage> {
  const names = machine
    .stockNames()
    .filter((n) => n.startsWith(query.prefix) && (query.after === null || n > query.after))
    .sort();
  const page = names.slice(0, query.limit);
  const stocks = page.map((n) => machine.getStock(n)).filter((s): s is StockState => s !== null);
  const prices = await priceOf(page);
  return {
    stocks: stocks.map((s) => ({ name: s.name, price: prices.get(s.name) ?? null, quantity: s.quantity, volume: s.volume })),
    next: names.length > page.length ? (page.at(-1) ?? null) : null,
  };
}
