import { assert } from '../errors.js';
import type { TradeResult } from './model.js';

/**
 * The replicated table of idempotency keys, in memory (the state machine persists every change in
 * the same batch as the trade). Bounded two ways, both deterministic:
 *   - count: at most `keysMax` keys; inserting one more expires the oldest;
 *   - age: a key recorded at command time t expires once a later command carries a time
 *     > t + keyTtlMs. Times are the leader-chosen `executedAtMs` of commands, folded into a
 *     monotonic `clockMs` (max of all seen), never the local clock: apply stays deterministic.
 * A Map keeps insertion order and records are inserted with increasing seq and non-decreasing
 * clockMs, so the oldest key by count and by age is always the first one.
 */

export interface KeyRecord {
  readonly seq: number;
  readonly key: string;
  readonly requestHash: string;
  readonly atMs: number;
  /** The original outcome (replayed: false). */
  readonly outcome: TradeResult;
}

export interface IdempotencyLimits {
  readonly keysMax: number;
  readonly keyTtlMs: number;
}

export function validateIdempotencyLimits(limits: IdempotencyLimits): void {
  if (!Number.isSafeInteger(limits.keysMax) || limits.keysMax < 1) {
    throw new Error(`idempotencyKeysMax must be an integer >= 1, got ${limits.keysMax}`);
  }
  if (!Number.isSafeInteger(limits.keyTtlMs) || limits.keyTtlMs < 1) {
    throw new Error(`idempotencyKeyTtlMs must be an integer >= 1, got ${limits.keyTtlMs}`);
  }
}

export class IdempotencyTable {
  private readonly records = new Map<string, KeyRecord>();
  private lastSeq = 0;

  constructor(private readonly limits: IdempotencyLimits) {
    validateIdempotencyLimits(limits);
  }

  get size(): number {
    return this.records.size;
  }

  get(key: string): KeyRecord | undefined {
    return this.records.get(key);
  }

  /** Records oldest first. */
  values(): IterableIterator<KeyRecord> {
    return this.records.values();
  }

  /** Load or insert a record; seq must increase. */
  insert(record: KeyRecord): void {
    assert(record.seq > this.lastSeq, `key seq ${record.seq} not above ${this.lastSeq}`);
    assert(!this.records.has(record.key), `key ${record.key} inserted twice`);
    this.records.set(record.key, record);
    this.lastSeq = record.seq;
  }

  /** Drop keys over the age bound at `clockMs`, then over the count bound; returns the dropped. */
  expire(clockMs: number, roomFor: number): KeyRecord[] {
    const expired: KeyRecord[] = [];
    for (const record of this.records.values()) {
      const tooOld = record.atMs + this.limits.keyTtlMs < clockMs;
      const tooMany = this.records.size - expired.length + roomFor > this.limits.keysMax;
      if (!tooOld && !tooMany) break;
      expired.push(record);
    }
    for (const record of expired) this.records.delete(record.key);
    return expired;
  }

  clear(): void {
    this.records.clear();
    this.lastSeq = 0;
  }
}
