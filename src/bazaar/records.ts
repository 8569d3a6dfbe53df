import { SYMBOL_PATTERN } from '../catalog/symbols.js';
import { assert } from '../errors.js';
import type { KeyRecord } from './idempotency.js';
import {
  IDEMPOTENCY_KEY_PATTERN,
  type OrderRecord,
  type StockState,
  TradeFailureCode,
  type TradeResult,
  TradeType,
} from './model.js';

/**
 * Compact JSON-array encodings of the persisted records, shared by the LevelDB layout and the
 * snapshot format. Decoders validate strictly: stored data that does not decode is corruption
 * and an assertion failure.
 */

export type StockTuple = [name: string, quantity: number, volume: number, modifiedIndex: number];
export type OrderTuple = [number: number, name: string, type: string, quantity: number, price: number | null, atMs: number];
export type OutcomeTuple = ['ok', number, ...StockTuple] | ['fail', string];
export type KeyTuple = [seq: number, key: string, requestHash: string, atMs: number, outcome: OutcomeTuple];

const FAILURE_CODES: ReadonlySet<string> = new Set(Object.values(TradeFailureCode));

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function stockToTuple(stock: StockState): StockTuple {
  return [stock.name, stock.quantity, stock.volume, stock.modifiedIndex];
}

export function stockFromTuple(tuple: unknown): StockState {
  assert(Array.isArray(tuple) && tuple.length === 4, 'stock record is not a 4-tuple');
  const [name, quantity, volume, modifiedIndex] = tuple as unknown[];
  assert(typeof name === 'string' && SYMBOL_PATTERN.test(name), `stock record name ${String(name)}`);
  assert(isCount(quantity) && isCount(volume) && isCount(modifiedIndex), `stock record numbers of ${name}`);
  return { name, quantity, volume, modifiedIndex };
}

export function orderToTuple(order: OrderRecord): OrderTuple {
  return [order.number, order.name, order.type, order.quantity, order.price, order.executedAtMs];
}

export function orderFromTuple(tuple: unknown): OrderRecord {
  assert(Array.isArray(tuple) && tuple.length === 6, 'order record is not a 6-tuple');
  const [number, name, type, quantity, price, executedAtMs] = tuple as unknown[];
  assert(isCount(number) && number >= 1, `order record number ${String(number)}`);
  assert(typeof name === 'string' && SYMBOL_PATTERN.test(name), `order ${number} name`);
  assert(type === TradeType.Buy || type === TradeType.Sell, `order ${number} type`);
  assert(isCount(quantity) && quantity >= 1, `order ${number} quantity`);
  assert(price === null || (typeof price === 'number' && Number.isFinite(price)), `order ${number} price`);
  assert(isCount(executedAtMs), `order ${number} executedAtMs`);
  return { number, name, type, quantity, price, executedAtMs };
}

export function outcomeToTuple(outcome: TradeResult): OutcomeTuple {
  return outcome.ok ? ['ok', outcome.transactionNumber, ...stockToTuple(outcome.stock)] : ['fail', outcome.code];
}

export function outcomeFromTuple(tuple: unknown): TradeResult {
  assert(Array.isArray(tuple) && tuple.length >= 2, 'outcome record is not a tuple');
  const [kind, ...rest] = tuple as unknown[];
  if (kind === 'fail') {
    const code = rest[0];
    assert(rest.length === 1 && typeof code === 'string' && FAILURE_CODES.has(code), 'outcome failure code');
    return { ok: false, code: code as TradeFailureCode, replayed: false };
  }
  assert(kind === 'ok' && rest.length === 5, 'outcome kind');
  const transactionNumber = rest[0];
  assert(isCount(transactionNumber) && transactionNumber >= 1, 'outcome transaction number');
  return { ok: true, transactionNumber, stock: stockFromTuple(rest.slice(1)), replayed: false };
}

export function keyToTuple(record: KeyRecord): KeyTuple {
  return [record.seq, record.key, record.requestHash, record.atMs, outcomeToTuple(record.outcome)];
}

export function keyFromTuple(tuple: unknown): KeyRecord {
  assert(Array.isArray(tuple) && tuple.length === 5, 'key record is not a 5-tuple');
  const [seq, key, requestHash, atMs, outcome] = tuple as unknown[];
  assert(isCount(seq) && seq >= 1, 'key record seq');
  assert(typeof key === 'string' && IDEMPOTENCY_KEY_PATTERN.test(key), 'key record key');
  assert(typeof requestHash === 'string' && /^[0-9a-f]{64}$/.test(requestHash), 'key record hash');
  assert(isCount(atMs), 'key record atMs');
  return { seq, key, requestHash, atMs, outcome: outcomeFromTuple(outcome) };
}

/** Fixed-width decimal so LevelDB's byte order is numeric order. */
export function padIndex(n: number): string {
  assert(isCount(n), `padIndex(${n})`);
  return n.toString().padStart(16, '0');
}
