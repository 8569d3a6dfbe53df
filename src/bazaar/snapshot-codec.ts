import { assert } from '../errors.js';
import type { KeyRecord } from './idempotency.js';
import type { OrderRecord, StockState } from './model.js';
import { keyFromTuple, orderFromTuple, stockFromTuple } from './records.js';

/**
 * Snapshot format: newline-delimited JSON (one record per line), produced and consumed record
 * by record, chunk by chunk (snapshot-stream.ts writes it from a LevelDB snapshot):
 *
 *   {"v":1,"kind":"bazaar-snapshot","applied":..,"nextTx":..,"clockMs":..,"keySeq":..}
 *   ["s", name, quantity, volume, modifiedIndex]            one per stock, by name
 *   ["o", number, name, type, quantity, price, atMs]        one per retained order, ascending
 *   ["k", seq, key, requestHash, atMs, outcome]             one per idempotency key, oldest first
 *   ["end", stocks, orders, keys]                           counts, checked on restore
 *
 * Size is bounded by design: stocks <= SYMBOLS_COUNT_MAX, orders <= ordersRetainedMax (older
 * orders are pruned deterministically at apply), keys <= idempotencyKeysMax. With the defaults
 * (1,000 stocks, 1,000,000 orders, 100,000 keys) a snapshot is at most ~80 MB; it is never
 * held whole in memory. The encoding is canonical: equal states give byte-identical snapshots.
 */

export const SNAPSHOT_VERSION = 1;
/** A longer line is corrupt (the longest real record is well under 1 KiB). */
export const SNAPSHOT_LINE_BYTES_MAX = 64 * 1024;

export interface SnapshotHeader {
  readonly applied: number;
  readonly nextTx: number;
  readonly clockMs: number;
  readonly keySeq: number;
}

export type SnapshotRecord =
  | { readonly kind: 'stock'; readonly stock: StockState }
  | { readonly kind: 'order'; readonly order: OrderRecord }
  | { readonly kind: 'key'; readonly key: KeyRecord };

export function headerLine(header: SnapshotHeader): string {
  const { applied, nextTx, clockMs, keySeq } = header;
  return JSON.stringify({ v: SNAPSHOT_VERSION, kind: 'bazaar-snapshot', applied, nextTx, clockMs, keySeq });
}

function parseLine(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    assert(false, `snapshot line ${lineNumber} is not JSON: ${(err as Error).message}`);
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

/** Splits a chunk stream into lines (UTF-8), with a bound on a line's length. */
async function* snapshotLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = carry + decoder.decode(chunk, { stream: true });
    } catch (err) {
      assert(false, `snapshot is not UTF-8: ${(err as Error).message}`);
    }
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    assert(carry.length <= SNAPSHOT_LINE_BYTES_MAX, `snapshot line longer than ${SNAPSHOT_LINE_BYTES_MAX} bytes`);
    yield* lines;
  }
  assert(carry === '', 'snapshot does not end with a newline');
}

/**
 * Decode a snapshot stream: the header, then records one at a time via `onRecord` (which may
 * await, e.g. to write a batch). Asserts the trailer's counts.
 */
export async function readSnapshot(
  chunks: AsyncIterable<Uint8Array>,
  onHeader: (header: SnapshotHeader) => Promise<void>,
  onRecord: (record: SnapshotRecord) => Promise<void>,
): Promise<void> {
  const counts = { s: 0, o: 0, k: 0 };
  let lineNumber = 0;
  let sawEnd = false;
  for await (const line of snapshotLines(chunks)) {
    lineNumber += 1;
    const value = parseLine(line, lineNumber);
    assert(!sawEnd, 'snapshot has data after its end record');
    if (lineNumber === 1) {
      await onHeader(decodeHeader(value));
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
  assert(lineNumber >= 1 && sawEnd, 'snapshot is truncated');
}
