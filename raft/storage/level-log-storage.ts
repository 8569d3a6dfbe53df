import { stat } from 'node:fs/promises';
import { Level } from 'level';
import { type LevelBatchOp, writeLevelBatch } from '../../common/level-batch.js';
import type { Entry, HardState, RestoredState, Snapshot } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import {
  ENTRY_KEY_MAX,
  ENTRY_KEY_MIN,
  HARD_STATE_KEY,
  SNAPSHOT_DATA_KEY,
  SNAPSHOT_META_KEY,
  decodeEntryKey,
  decodeEntryValue,
  decodeHardState,
  decodeSnapshotMeta,
  encodeEntryValue,
  encodeHardState,
  encodeSnapshotMeta,
  entryKey,
} from './storage-codec.js';
import { type LogStorage, type ReadyWrite, readyWritesNothing } from './log-storage.js';

type Db = Level<Uint8Array, Uint8Array>;
type BatchOp = LevelBatchOp<Uint8Array, Uint8Array>;

/** One synced write: how long the fsync'd batch took and what it carried. */
export interface FsyncSample {
  readonly durationMs: number;
  readonly entries: number;
  readonly bytes: number;
}

export interface LevelLogStorageOptions {
  /** Called after every synced batch (group commit): plug a histogram in here. */
  readonly onFsync?: (sample: FsyncSample) => void;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

/**
 * Durable Raft state in LevelDB: hard state, log entries and the latest snapshot. Every
 * write is one atomic batch with `sync: true`, so a Ready's hard state, snapshot and entries
 * become durable together (one fsync per Ready: group commit). Callers serialize writes.
 */
export class LevelLogStorage implements LogStorage {
  private closed = false;
  /** First and last stored entry index; first > last means no entries are stored. */
  private firstStored = 1;
  private lastStored = 0;
  private snapshotIndex = 0;

  private constructor(
    private readonly db: Db,
    readonly dir: string,
    private readonly options: LevelLogStorageOptions,
  ) {}

  /** Open (creating if missing) the log in `dir`. Throws RaftError STORAGE_LOCKED / STORAGE_UNREADABLE. */
  static async open(dir: string, options: LevelLogStorageOptions = {}): Promise<LevelLogStorage> {
    await assertDirUsable(dir);
    const db: Db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (error) {
      throw openError(dir, error);
    }
    return new LevelLogStorage(db, dir, options);
  }

  /** Read everything back: what the node acknowledged before it stopped or crashed. */
  async load(): Promise<RestoredState> {
    this.assertOpen();
    const hardBytes = await this.db.get(HARD_STATE_KEY);
    const hardState = hardBytes === undefined ? EMPTY_HARD_STATE : this.decode(() => decodeHardState(hardBytes));
    const snapshot = await this.loadSnapshot();
    this.snapshotIndex = snapshot?.meta.index ?? 0;
    const stored = await this.loadEntries();
    this.firstStored = stored[0]?.index ?? this.snapshotIndex + 1;
    this.lastStored = stored.at(-1)?.index ?? this.snapshotIndex;
    // A tail kept behind the snapshot is returned too, as long as it reaches the snapshot.
    const entries = this.lastStored >= this.snapshotIndex ? stored : [];
    const firstEntry = entries[0];
    if (firstEntry !== undefined && firstEntry.index > this.snapshotIndex + 1) {
      throw this.corrupt(`log starts at ${firstEntry.index} but the snapshot ends at ${this.snapshotIndex}`);
    }
    return { hardState, snapshot, entries };
  }

  /** Persist a Ready's hard state, snapshot and entries in ONE synced batch. */
  async persistReady(ready: ReadyWrite): Promise<void> {
    this.assertOpen();
    if (readyWritesNothing(ready)) return;
    const ops: BatchOp[] = [];
    if (ready.hardState !== null) ops.push({ type: 'put', key: HARD_STATE_KEY, value: encodeHardState(ready.hardState) });
    let next = { first: this.firstStored, last: this.lastStored };
    if (ready.snapshot !== null) next = this.snapshotOps(ready.snapshot, ops);
    if (ready.entries.length > 0) next = this.entryOps(ready.entries, next, ops);
    await this.writeSynced(ops, ready.entries.length);
    this.firstStored = next.first;
    this.lastStored = next.last;
    if (ready.snapshot !== null) this.snapshotIndex = ready.snapshot.meta.index;
  }

  /**
   * Persist a locally taken snapshot (one small synced batch), then drop entries before
   * `firstIndexKept` (log compaction) with one native range delete: no per-entry work on the
   * event loop (a 10,000-op delete batch took 200-300 ms of it). The range delete is not synced:
   * if a crash loses part of it, `load` finds a longer tail behind the snapshot (still
   * contiguous: LevelDB applies its log in order), which is valid, and the next compaction
   * drops it again.
   */
  async saveSnapshot(snapshot: Snapshot, firstIndexKept: number): Promise<void> {
    this.assertOpen();
    if (snapshot.meta.index <= this.snapshotIndex) return;
    if (firstIndexKept > snapshot.meta.index + 1) {
      throw new Error(`firstIndexKept ${firstIndexKept} is beyond snapshot index ${snapshot.meta.index} + 1`);
    }
    await this.writeSynced(
      [
        { type: 'put', key: SNAPSHOT_META_KEY, value: encodeSnapshotMeta(snapshot.meta) },
        { type: 'put', key: SNAPSHOT_DATA_KEY, value: snapshot.data },
      ],
      0,
    );
    this.snapshotIndex = snapshot.meta.index;
    const dropUntil = Math.min(firstIndexKept - 1, this.lastStored);
    if (dropUntil >= this.firstStored) {
      await this.db.clear({ gte: entryKey(this.firstStored), lte: entryKey(dropUntil) });
      this.firstStored = dropUntil + 1;
    }
    if (this.lastStored < this.snapshotIndex) {
      this.firstStored = this.snapshotIndex + 1;
      this.lastStored = this.snapshotIndex;
    }
  }

  /** First and last stored entry index (first > last: none). For tests and status. */
  storedRange(): { first: number; last: number; snapshotIndex: number } {
    return { first: this.firstStored, last: this.lastStored, snapshotIndex: this.snapshotIndex };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  /** A snapshot received from the leader replaces the whole stored log (the core restarts its log after it). */
  private snapshotOps(snapshot: Snapshot, ops: BatchOp[]): { first: number; last: number } {
    const { index } = snapshot.meta;
    ops.push({ type: 'put', key: SNAPSHOT_META_KEY, value: encodeSnapshotMeta(snapshot.meta) });
    ops.push({ type: 'put', key: SNAPSHOT_DATA_KEY, value: snapshot.data });
    for (let i = this.firstStored; i <= this.lastStored; i++) ops.push({ type: 'del', key: entryKey(i) });
    return { first: index + 1, last: index };
  }

  /** Entries overwrite from entries[0].index: stored entries beyond the new last index are deleted. */
  private entryOps(
    entries: readonly Entry[],
    range: { first: number; last: number },
    ops: BatchOp[],
  ): { first: number; last: number } {
    const first = entries[0] as Entry;
    const lastNew = (entries.at(-1) as Entry).index;
    if (first.index > range.last + 1) {
      throw new Error(`entries start at ${first.index}, leaving a gap after stored last index ${range.last}`);
    }
    let expected = first.index;
    for (const entry of entries) {
      if (entry.index !== expected) throw new Error(`entries not contiguous: ${entry.index} after ${expected - 1}`);
      expected++;
      ops.push({ type: 'put', key: entryKey(entry.index), value: encodeEntryValue(entry) });
    }
    for (let index = lastNew + 1; index <= range.last; index++) ops.push({ type: 'del', key: entryKey(index) });
    const hadNone = range.first > range.last;
    return { first: hadNone ? first.index : Math.min(range.first, first.index), last: lastNew };
  }

  private async writeSynced(ops: BatchOp[], entryCount: number): Promise<void> {
    let bytes = 0;
    for (const op of ops) if (op.type === 'put') bytes += op.key.byteLength + op.value.byteLength;
    const startedNs = process.hrtime.bigint();
    await writeLevelBatch(this.db, ops, true);
    const durationMs = Number(process.hrtime.bigint() - startedNs) / 1e6;
    this.options.onFsync?.({ durationMs, entries: entryCount, bytes });
  }

  private async loadSnapshot(): Promise<Snapshot | null> {
    const [metaBytes, data] = await this.db.getMany([SNAPSHOT_META_KEY, SNAPSHOT_DATA_KEY]);
    if (metaBytes === undefined) return null;
    if (data === undefined) throw this.corrupt('snapshot meta present but snapshot data missing');
    return { meta: this.decode(() => decodeSnapshotMeta(metaBytes)), data };
  }

  private async loadEntries(): Promise<Entry[]> {
    const entries: Entry[] = [];
    for await (const [key, value] of this.db.iterator({ gte: ENTRY_KEY_MIN, lte: ENTRY_KEY_MAX })) {
      const index = this.decode(() => decodeEntryKey(key));
      const previous = entries.at(-1);
      if (previous !== undefined && index !== previous.index + 1) {
        throw this.corrupt(`log has a gap between ${previous.index} and ${index}`);
      }
      entries.push(this.decode(() => decodeEntryValue(index, value)));
    }
    return entries;
  }

  private decode<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.corrupt((error as Error).message);
    }
  }

  private corrupt(detail: string): RaftError {
    return new RaftError(RaftDriverErrorCode.StorageCorrupt, `raft log in ${this.dir} is corrupt: ${detail}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new RaftError(RaftDriverErrorCode.StorageClosed, `raft log in ${this.dir} is closed`);
  }
}

async function assertDirUsable(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      throw new RaftError(RaftDriverErrorCode.StorageUnreadable, `data directory ${dir} is not a directory`);
    }
  } catch (error) {
    if (error instanceof RaftError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new RaftError(RaftDriverErrorCode.StorageUnreadable, `data directory ${dir} is unreadable: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function openError(dir: string, error: unknown): RaftError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'LEVEL_LOCKED') {
    return new RaftError(RaftDriverErrorCode.StorageLocked, `data directory ${dir} is already in use by another process`, {
      cause: error,
    });
  }
  const detail = cause?.message ?? (error as Error).message;
  return new RaftError(RaftDriverErrorCode.StorageUnreadable, `data directory ${dir} is unreadable: ${detail}`, { cause: error });
}
