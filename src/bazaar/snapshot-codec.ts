import { assert } from '../errors.js';
import type { KeyRecord } from './idempotency.js';
import type { OrderRecord, StockState } from './model.js';
import { keyFromTuple, keyToTuple, orderFromTuple, orderToTuple, stockFromTuple, stockToTuple } from './records.js';

/**
 * Snapshot format: newline-delimited JSON (one record per line), so it can be produced and
 * consumed record by record:
 *
 *   {"v":1,"kind":"bazaar-snapshot","applied":..,"nextTx":..,"clockMs":..,"keySeq":..}
 *   ["s", name, quantity, volume, modifiedIndex]            one per stock, catalog order
 *   ["o", number, name, type, quantity, price, atMs]        one per retained order, ascending
 *   ["k", seq, key, requestHash, atMs, outcome]             one per idempotency key, oldest first
 *   ["end", stocks, orders, keys]                           counts, checked on restore
 *
 * Size is bounded by design: stocks <= SYMBOLS_COUNT_MAX, orders <= ordersRetainedMax (older
 * orders are pruned deterministically at apply), keys <= idempotencyKeysMax. With the defaults
 * (1,000 stocks, 1,000,000 orders, 100,000 keys) a snapshot is at most ~80 MB.
 * The encoding is canonical: equal states give byte-identical snapshots.
 */

export const SNAPSHOT_VERSION = 1;

export interface SnapshotHeader {
  readonly applied: number;
  readonly nextTx: number;
  readonly clockMs: number;
  readonly keySeq: number;
}

export class SnapshotWriter {
  private readonly lines: string[] = [];
  private stocks = 0;
  private orders = 0;
  private keys = 0;

  constructor(header: SnapshotHeader) {
    this.lines.push(JSON.stringify({ v: SNAPSHOT_VERSION, kind: 'bazaar-snapshot', ...header }));
  }

  stock(stock: StockState): void {
    this.lines.push(JSON.stringify(['s', ...stockToTuple(stock)]));
    this.stocks += 1;
  }

  order(order: OrderRecord): void {
    this.lines.push(JSON.stringify(['o', ...orderToTuple(order)]));
    this.orders += 1;
  }

  key(record: KeyRecord): void {
    this.lines.push(JSON.stringify(['k', ...keyToTuple(record)]));
    this.keys += 1;
  }

  finish(): Uint8Array {
    this.lines.push(JSON.stringify(['end', this.stocks, this.orders, this.keys]));
    return new TextEncoder().encode(`${this.lines.join('\n')}\n`);
  }
}

export type SnapshotRecord =
  | { readonly kind: 'stock'; readonly stock: StockState }
  | { readonly kind: 'order'; readonly order: OrderRecord }
  | { readonly kind: 'key'; readonly key: KeyRecord };

function parseLine(data: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(start, end)));
  } catch (err) {
    assert(false, `snapshot line at byte ${start} is not JSON: ${(err as Error).message}`);
  }
}

function decodeHeader(value: unknown): SnapshotHeader {
  assert(typeof value === 'object' && value !== null, 'snapshot header is not an object');
  const h = value as Record<string, unknown>;
  assert(h['v'] === SNAPSHOT_VERSION && h['kind'] === 'bazaar-snapshot', 'snapshot header version/kind');
  const fields = ['applied', 'nextTx', 'clockMs', 'keySeq'] as const;
  for (const field of fields) assert(Number.isSafeInteger(h[field]) && (h[field] as number) >= 0, `snapshot ${field}`);
  assert((h['nextTx'] as number) >= 1, 'snapshot nextTx >= 1');
  return { applied: h['applied'] as number, nextTx: h['nextTx'] as number, clockMs: h['clockMs'] as number, keySeq: h['keySeq'] as number };
}

/**
 * Decode a snapshot: the header, then records one at a time via `onRecord` (which may await,
 * e.g. to write a batch). Asserts the trailer's counts.
 */
export async function readSnapshot(
  data: Uint8Array,
  onHeader: (header: SnapshotHeader) => Promise<void>,
  onRecord: (record: SnapshotRecord) => Promise<void>,
): Promise<void> {
  const counts = { s: 0, o: 0, k: 0 };
  let start = 0;
  let sawHeader = false;
  let sawEnd = false;
  while (start < data.length) {
    const end = data.indexOf(0x0a, start);
    assert(end !== -1, 'snapshot does not end with a newline');
    const value = parseLine(data, start, end);
    start = end + 1;
    assert(!sawEnd, 'snapshot has data after its end record');
    if (!sawHeader) {
      await onHeader(decodeHeader(value));
      sawHeader = true;
      continue;
    }
    assert(Array.isArray(value) && value.length >= 1, 'snapshot record is not an array');
    const [tag, ...rest] = value as unknown[];
    if (tag === 's') {
      counts.s += 1;
      await onRecord({ kind: 'stock', stock: stockFromTuple(rest) });
    } else if (tag === 'o') {
      counts.o += 1;
      await onRecord({ kind: 'order', order: orderFromTuple(rest) });
    } else if (tag === 'k') {
      counts.k += 1;
      await onRecord({ kind: 'key', key: keyFromTuple(rest) });
    } else {
      assert(tag === 'end', `snapshot record tag ${String(tag)}`);
      assert(rest[0] === counts.s && rest[1] === counts.o && rest[2] === counts.k, 'snapshot counts mismatch');
      sawEnd = true;
    }
  }
  assert(sawHeader && sawEnd, 'snapshot is truncated');
}
