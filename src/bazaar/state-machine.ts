import { Level } from 'level';
import { LRUCache } from 'lru-cache';
import { type LevelBatchOp, writeLevelBatch } from '../../common/level-batch.js';
import { EntryKind, type Entry, type SnapshotMeta } from '../../raft/index.js';
import type { Checkpoint, StateMachine } from '../../raft/index.js';
import { SYMBOL_PATTERN } from '../catalog/symbols.js';
import { assert } from '../errors.js';
import { decodeCommand, type TradeCommand } from './commands.js';
import { IdempotencyTable, validateIdempotencyLimits } from './idempotency.js';
import {
  type ApplyResult,
  INITIAL_STOCK_QUANTITY,
  type OrderRecord,
  type StockState,
  TradeFailureCode,
  type TradeResult,
  TradeType,
} from './model.js';
import { keyFromTuple, keyToTuple, orderFromTuple, orderToTuple, padIndex, stockFromTuple, stockToTuple } from './records.js';
import { readSnapshot, type SnapshotHeader, type SnapshotRecord } from './snapshot-codec.js';
import { SnapshotViews } from './snapshot-views.js';
import { SerialQueue, AppliedWaiters } from './serial.js';

/**
 * The replicated bazaar: catalog (stocks), orders, idempotency keys, in LevelDB.
 *
 * LevelDB layout (utf8 keys and values, JSON tuples from records.ts):
 *   m:meta            {applied, nextTx, clockMs, keySeq}
 *   m:restoring       present only while a restore is in progress (a crash mid-restore wipes)
 *   s:<name>          stock tuple
 *   o:<number,16d>    order tuple
 *   k:<seq,16d>       idempotency key tuple (seq order = age order)
 * Every applied batch is ONE LevelDB batch with all its changes and `m:meta.applied`, so a
 * restart resumes exactly at `appliedIndex()`. It is not fsynced: the Raft log (synced before
 * any entry is applied) is the source of truth, and a batch lost to a power failure is applied
 * again from the log on restart, deterministically, with the same results.
 *
 * In memory: every stock (the catalog is small) and every idempotency key (bounded); orders are
 * read from LevelDB through a bounded LRU. Reads see a batch as soon as its results are
 * computed, before its write (committed entries; a lost write is re-applied from the log):
 * `getStock` and `lastApplied` change together, synchronously. The results go to the driver
 * then too (`onResults`), so a trade is answered without waiting for the write.
 *
 * Snapshots: `checkpoint()` (log compaction) syncs and keeps a LevelDB snapshot; InstallSnapshot
 * streams that snapshot in chunks (snapshot-stream.ts) and `restore` reads one chunk by chunk.
 *
 * apply/checkpoint/restore run one at a time (SerialQueue). A failed LevelDB write leaves memory
 * ahead of disk: the machine then refuses all further work (the node must restart).
 */

export interface BazaarStateMachineOptions {
  /** LevelDB directory of its own (not shared with the Raft log). */
  readonly dir: string;
  /** Catalog for a fresh directory, normalized (symbols.ts loadSymbols). */
  readonly symbols: readonly string[];
  readonly idempotencyKeysMax: number;
  readonly idempotencyKeyTtlMs: number;
  /** Orders kept; older ones are pruned deterministically at apply (bounds snapshots). */
  readonly ordersRetainedMax: number;
  /** Orders cached in memory (LRU). */
  readonly orderCacheEntriesMax: number;
  /** Bound on concurrent waitForApplied callers. */
  readonly appliedWaitersMax: number;
}

export const DEFAULT_STATE_MACHINE_LIMITS = {
  idempotencyKeysMax: 100_000,
  idempotencyKeyTtlMs: 24 * 60 * 60 * 1000,
  ordersRetainedMax: 1_000_000,
  orderCacheEntriesMax: 10_000,
  appliedWaitersMax: 10_000,
} as const;

/** Ops per LevelDB batch while restoring a snapshot. */
const RESTORE_BATCH_OPS_MAX = 5_000;
const META_KEY = 'm:meta';
const RESTORING_KEY = 'm:restoring';

interface Meta {
  applied: number;
  nextTx: number;
  clockMs: number;
  keySeq: number;
}

type BatchOp = LevelBatchOp<string, string>;

function validateOptions(options: BazaarStateMachineOptions): void {
  if (options.dir.length === 0) throw new Error('state machine dir must be a non-empty path');
  if (options.symbols.length === 0) throw new Error('state machine symbols must not be empty');
  for (const symbol of options.symbols) {
    if (!SYMBOL_PATTERN.test(symbol)) throw new Error(`state machine symbol "${symbol}" is not normalized`);
  }
  if (new Set(options.symbols).size !== options.symbols.length) throw new Error('state machine symbols have duplicates');
  validateIdempotencyLimits({ keysMax: options.idempotencyKeysMax, keyTtlMs: options.idempotencyKeyTtlMs });
  for (const field of ['ordersRetainedMax', 'orderCacheEntriesMax', 'appliedWaitersMax'] as const) {
    const value = options[field];
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${field} must be an integer >= 1, got ${value}`);
  }
}

export class BazaarStateMachine implements StateMachine<ApplyResult> {
  private readonly stocks = new Map<string, StockState>();
  private readonly keys: IdempotencyTable;
  private readonly orderCache: LRUCache<number, OrderRecord>;
  /** The orders of the batch being written (apply), readable before the write lands; at most one batch. */
  private readonly unwritten = new Map<number, OrderRecord>();
  private readonly queue = new SerialQueue();
  private readonly waiters: AppliedWaiters;
  private readonly views: SnapshotViews;
  private meta: Meta = { applied: 0, nextTx: 1, clockMs: 0, keySeq: 0 };
  private failure: Error | null = null;

  private constructor(
    private readonly db: Level<string, string>,
    private readonly options: BazaarStateMachineOptions,
  ) {
    this.keys = new IdempotencyTable({ keysMax: options.idempotencyKeysMax, keyTtlMs: options.idempotencyKeyTtlMs });
    this.orderCache = new LRUCache({ max: options.orderCacheEntriesMax });
    this.waiters = new AppliedWaiters(options.appliedWaitersMax);
    this.views = new SnapshotViews(db);
  }

  static async open(options: BazaarStateMachineOptions): Promise<BazaarStateMachine> {
    validateOptions(options);
    const db = new Level<string, string>(options.dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (err) {
      throw new Error(`cannot open state machine LevelDB at ${options.dir}: ${(err as Error).message}`, { cause: err });
    }
    const machine = new BazaarStateMachine(db, options);
    await machine.load();
    return machine;
  }

  async close(): Promise<void> {
    this.waiters.failAll(new Error('state machine closed'));
    this.views.clear();
    await this.queue.run(() => this.db.close());
  }

  /** Applied index, synchronously (what reads currently reflect). */
  get lastApplied(): number {
    return this.meta.applied;
  }

  appliedIndex(): Promise<number> {
    return Promise.resolve(this.meta.applied);
  }

  /** Highest transaction number executed so far (0: none), as of `lastApplied`. */
  get lastTransactionNumber(): number {
    return this.meta.nextTx - 1;
  }

  /** Stock by normalized name, as of `lastApplied`. */
  getStock(name: string): StockState | null {
    return this.stocks.get(name) ?? null;
  }

  /** Catalog names in catalog order. */
  stockNames(): string[] {
    return [...this.stocks.keys()];
  }

  private isPruned(number: number): boolean {
    return number < this.meta.nextTx - this.options.ordersRetainedMax;
  }

  /** Order by transaction number (null: none, or pruned as older than ordersRetainedMax). */
  async getOrder(number: number): Promise<OrderRecord | null> {
    if (!Number.isSafeInteger(number) || number < 1 || number >= this.meta.nextTx || this.isPruned(number)) return null;
    const cached = this.orderCache.get(number) ?? this.unwritten.get(number);
    if (cached !== undefined) return cached;
    const raw = await this.db.get(`o:${padIndex(number)}`);
    if (raw === undefined) return null;
    const order = orderFromTuple(JSON.parse(raw));
    // An apply may have pruned it while we read: never cache below the bound (apply relies on it).
    if (this.isPruned(number)) return null;
    this.orderCache.set(number, order);
    return order;
  }

  /** Resolves once `lastApplied >= index`; rejects after timeoutMs. */
  waitForApplied(index: number, timeoutMs: number): Promise<void> {
    return this.waiters.wait(index, this.meta.applied, timeoutMs);
  }

  /**
   * Apply committed entries. `onResults`, when given, gets the results as soon as they are
   * computed, before the batch's LevelDB write: they describe committed states (a crash before
   * the write re-applies the same entries to the same results), so the driver answers the
   * trades and the leader's cache publish starts while the write runs.
   */
  apply(entries: readonly Entry[], onResults?: (results: readonly ApplyResult[]) => void): Promise<ApplyResult[]> {
    return this.mutation(async () => {
      const ops: BatchOp[] = [];
      const staged = new Map<string, StockState>();
      const newOrders: OrderRecord[] = [];
      const meta: Meta = { ...this.meta };
      const results: ApplyResult[] = [];
      for (const entry of entries) {
        assert(entry.index === meta.applied + 1, `apply of index ${entry.index} after ${meta.applied}`);
        if (entry.kind !== EntryKind.Normal) {
          // No-ops and membership changes (handled by Raft) carry no trade.
          results.push(null);
        } else {
          const command = decodeCommand(entry.data);
          results.push(this.applyTrade(command, entry.index, { ops, staged, newOrders, meta }));
        }
        meta.applied = entry.index;
      }
      for (const stock of staged.values()) ops.push(putOp(`s:${stock.name}`, stockToTuple(stock)));
      ops.push(putOp(META_KEY, meta));
      // Reads see the batch before its (unsynced) write: it is committed, and a crash re-applies
      // it from the log to the same state. Orders it adds stay readable from `unwritten` until
      // the write lands, whatever the LRU drops meanwhile.
      for (const stock of staged.values()) this.stocks.set(stock.name, stock);
      for (const order of newOrders) {
        this.orderCache.set(order.number, order);
        this.unwritten.set(order.number, order);
      }
      // This batch pruned exactly the orders [pruneBelow - newOrders.length, pruneBelow) (getOrder
      // never caches an order below the bound): drop those, not a scan of the whole cache.
      const pruneBelow = meta.nextTx - this.options.ordersRetainedMax;
      for (let number = Math.max(1, pruneBelow - newOrders.length); number < pruneBelow; number++) this.orderCache.delete(number);
      this.meta = meta;
      this.waiters.notify(meta.applied);
      onResults?.(results);
      await this.writeBatch(ops);
      this.unwritten.clear();
      return results;
    });
  }

  private applyTrade(command: TradeCommand, index: number, batch: ApplyBatch): TradeResult {
    const { meta, ops } = batch;
    meta.clockMs = Math.max(meta.clockMs, command.executedAtMs);
    for (const expired of this.keys.expire(meta.clockMs, 0)) ops.push({ type: 'del', key: `k:${padIndex(expired.seq)}` });
    const key = command.idempotencyKey;
    if (key !== null) {
      const existing = this.keys.get(key);
      if (existing !== undefined) {
        if (existing.requestHash !== command.requestHash) {
          return { ok: false, code: TradeFailureCode.KeyConflict, replayed: false };
        }
        return { ...existing.outcome, replayed: true };
      }
    }
    const outcome = this.execute(command, index, batch);
    if (key !== null && command.requestHash !== null) {
      for (const expired of this.keys.expire(meta.clockMs, 1)) ops.push({ type: 'del', key: `k:${padIndex(expired.seq)}` });
      meta.keySeq += 1;
      const record = { seq: meta.keySeq, key, requestHash: command.requestHash, atMs: meta.clockMs, outcome };
      this.keys.insert(record);
      ops.push(putOp(`k:${padIndex(record.seq)}`, keyToTuple(record)));
    }
    return outcome;
  }

  private execute(command: TradeCommand, index: number, batch: ApplyBatch): TradeResult {
    const { meta, ops, staged } = batch;
    const stock = staged.get(command.name) ?? this.stocks.get(command.name);
    if (stock === undefined) return { ok: false, code: TradeFailureCode.UnknownStock, replayed: false };
    const buy = command.type === TradeType.Buy;
    if (buy && stock.quantity < command.quantity) {
      return { ok: false, code: TradeFailureCode.Insufficient, replayed: false };
    }
    const next: StockState = {
      name: stock.name,
      quantity: buy ? stock.quantity - command.quantity : stock.quantity + command.quantity,
      volume: stock.volume + command.quantity,
      modifiedIndex: index,
    };
    assert(Number.isSafeInteger(next.quantity) && Number.isSafeInteger(next.volume), `stock ${stock.name} overflow`);
    staged.set(stock.name, next);
    const order: OrderRecord = {
      number: meta.nextTx,
      name: command.name,
      type: command.type,
      quantity: command.quantity,
      price: command.price,
      executedAtMs: command.executedAtMs,
    };
    meta.nextTx += 1;
    ops.push(putOp(`o:${padIndex(order.number)}`, orderToTuple(order)));
    const pruned = order.number - this.options.ordersRetainedMax;
    if (pruned >= 1) ops.push({ type: 'del', key: `o:${padIndex(pruned)}` });
    batch.newOrders.push(order);
    return { ok: true, transactionNumber: order.number, stock: next, replayed: false };
  }

  /**
   * Compaction point: one synced write of the meta (LevelDB syncs its whole log, so every
   * earlier unsynced batch becomes durable with it) and a LevelDB snapshot kept for
   * InstallSnapshot. O(1) work here; LevelDB retains only what changes while the view is kept.
   */
  checkpoint(): Promise<Checkpoint> {
    return this.mutation(async () => {
      await this.db.put(META_KEY, JSON.stringify(this.meta), { sync: true });
      this.views.replace({ ...this.meta }, this.db.snapshot());
      return { index: this.meta.applied, data: null };
    });
  }

  snapshotChunks(index: number, chunkBytesMax: number): AsyncIterable<Uint8Array> | null {
    if (this.failure !== null) return null;
    return this.views.open(index, chunkBytesMax);
  }

  restore(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    return this.mutation(async () => {
      await this.writeBatch([putOp(RESTORING_KEY, meta.index)]);
      this.views.clear();
      await this.db.clear();
      this.stocks.clear();
      this.keys.clear();
      this.orderCache.clear();
      let header: SnapshotHeader | null = null;
      let ops: BatchOp[] = [putOp(RESTORING_KEY, meta.index)];
      const onHeader = (decoded: SnapshotHeader): Promise<void> => {
        assert(decoded.applied === meta.index, `snapshot data at ${decoded.applied}, meta says ${meta.index}`);
        header = decoded;
        return Promise.resolve();
      };
      await readSnapshot(chunks, onHeader, async (record) => {
        ops.push(this.restoreRecord(record));
        if (ops.length >= RESTORE_BATCH_OPS_MAX) {
          await this.writeBatch(ops);
          ops = [];
        }
      });
      assert(header !== null, 'snapshot without header');
      const restored: Meta = { ...(header as SnapshotHeader) };
      ops.push(putOp(META_KEY, restored), { type: 'del', key: RESTORING_KEY });
      await this.writeBatch(ops, true);
      this.meta = restored;
      this.views.replace({ ...restored }, this.db.snapshot());
      this.checkCatalogMatches();
      this.waiters.notify(restored.applied);
    });
  }

  private restoreRecord(record: SnapshotRecord): BatchOp {
    if (record.kind === 'stock') {
      this.stocks.set(record.stock.name, record.stock);
      return putOp(`s:${record.stock.name}`, stockToTuple(record.stock));
    }
    if (record.kind === 'order') return putOp(`o:${padIndex(record.order.number)}`, orderToTuple(record.order));
    this.keys.insert(record.key);
    return putOp(`k:${padIndex(record.key.seq)}`, keyToTuple(record.key));
  }

  private async load(): Promise<void> {
    const restoring = await this.db.get(RESTORING_KEY);
    const rawMeta = await this.db.get(META_KEY);
    if (restoring !== undefined || rawMeta === undefined) {
      await this.db.clear();
      await this.initializeCatalog();
      return;
    }
    this.meta = parseMeta(rawMeta);
    for await (const [, value] of this.db.iterator({ gte: 's:', lt: 's;' })) {
      const stock = stockFromTuple(JSON.parse(value));
      this.stocks.set(stock.name, stock);
    }
    for await (const [, value] of this.db.iterator({ gte: 'k:', lt: 'k;' })) this.keys.insert(keyFromTuple(JSON.parse(value)));
    this.checkCatalogMatches();
  }

  private async initializeCatalog(): Promise<void> {
    const ops: BatchOp[] = [];
    for (const name of this.options.symbols) {
      const stock: StockState = { name, quantity: INITIAL_STOCK_QUANTITY, volume: 0, modifiedIndex: 0 };
      this.stocks.set(name, stock);
      ops.push(putOp(`s:${name}`, stockToTuple(stock)));
    }
    this.meta = { applied: 0, nextTx: 1, clockMs: 0, keySeq: 0 };
    ops.push(putOp(META_KEY, this.meta));
    await this.writeBatch(ops);
  }

  private checkCatalogMatches(): void {
    const stored = this.stocks.size;
    const missing = this.options.symbols.filter((name) => !this.stocks.has(name));
    if (stored !== this.options.symbols.length || missing.length > 0) {
      throw new Error(
        `state machine at ${this.options.dir} holds ${stored} stocks that differ from the ${this.options.symbols.length} ` +
          `configured symbols (missing e.g. ${missing.slice(0, 3).join(',') || '-'}): wrong data dir or symbols file`,
      );
    }
  }

  /** Write `ops` as one LevelDB batch (and empty the array: common/level-batch.ts). */
  private async writeBatch(ops: BatchOp[], sync = false): Promise<void> {
    try {
      await writeLevelBatch(this.db, ops, sync);
    } catch (err) {
      this.failure = new Error(`state machine LevelDB write failed: ${(err as Error).message}`, { cause: err });
      this.waiters.failAll(this.failure);
      throw this.failure;
    }
  }

  /**
   * Run a state change in the queue. Any failure part-way (assertion, corrupt entry or snapshot,
   * LevelDB error) may leave memory ahead of or behind disk: the machine refuses further work.
   */
  private mutation<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.assertUsable();
      try {
        return await task();
      } catch (err) {
        if (this.failure === null) {
          this.failure = err instanceof Error ? err : new Error(String(err));
          this.waiters.failAll(this.failure);
        }
        throw err;
      }
    });
  }

  private assertUsable(): void {
    if (this.failure !== null) throw this.failure;
  }
}

interface ApplyBatch {
  readonly ops: BatchOp[];
  readonly staged: Map<string, StockState>;
  readonly newOrders: OrderRecord[];
  readonly meta: Meta;
}

function putOp(key: string, value: unknown): BatchOp {
  return { type: 'put', key, value: JSON.stringify(value) };
}

function parseMeta(raw: string): Meta {
  const value = JSON.parse(raw) as Record<string, unknown>;
  for (const field of ['applied', 'nextTx', 'clockMs', 'keySeq']) {
    assert(Number.isSafeInteger(value[field]) && (value[field] as number) >= 0, `stored meta ${field}`);
  }
  return value as unknown as Meta;
}
