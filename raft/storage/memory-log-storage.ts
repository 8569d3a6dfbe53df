import type { Entry, HardState, RestoredState, Snapshot } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { type LogStorage, type ReadyWrite, readyWritesNothing } from './log-storage.js';
import { MemoryDisk } from './memory-disk.js';

/** The contents of one node's Raft log "database". */
export interface StoredLog {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Contiguous; may start at or below the snapshot index (a tail kept for lagging followers). */
  entries: Entry[];
}

export type LogDisk = MemoryDisk<StoredLog>;

export function newLogDisk(unsyncedWritesMax?: number): LogDisk {
  const empty: StoredLog = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] };
  return new MemoryDisk(empty, (log) => ({ ...log, entries: log.entries.slice() }), unsyncedWritesMax);
}

export function storedFirstIndex(log: StoredLog): number {
  return log.entries[0]?.index ?? (log.snapshot?.meta.index ?? 0) + 1;
}

export function storedLastIndex(log: StoredLog): number {
  return log.entries.at(-1)?.index ?? log.snapshot?.meta.index ?? 0;
}

/**
 * LogStorage in memory, over a MemoryDisk that outlives the storage object (a crash drops the
 * object, the disk stays; a power loss drops the disk's unsynced writes). Every write is synced,
 * as LevelLogStorage's are, so a simulation sees the durability the shipped storage gives. For
 * the simulator and tests.
 */
export class MemoryLogStorage implements LogStorage {
  private closed = false;

  constructor(readonly disk: LogDisk) {}

  async load(): Promise<RestoredState> {
    this.assertOpen();
    const log = this.disk.read();
    const snapshotIndex = log.snapshot?.meta.index ?? 0;
    const entries = storedLastIndex(log) >= snapshotIndex ? log.entries.slice() : [];
    const first = entries[0];
    if (first !== undefined && first.index > snapshotIndex + 1) {
      throw new RaftError(RaftDriverErrorCode.StorageCorrupt, `log starts at ${first.index} but the snapshot ends at ${snapshotIndex}`);
    }
    return { hardState: log.hardState, snapshot: log.snapshot, entries };
  }

  async persistReady(ready: ReadyWrite): Promise<void> {
    this.assertOpen();
    if (readyWritesNothing(ready)) return;
    const { hardState, snapshot } = ready;
    const entries = ready.entries.slice();
    if (entries.length > 0) checkAppend(this.disk.read(), entries, snapshot);
    this.disk.write((log) => {
      if (snapshot !== null) {
        log.snapshot = snapshot;
        log.entries = [];
      }
      if (entries.length > 0) appendEntries(log, entries);
      if (hardState !== null) log.hardState = hardState;
    }, true);
  }

  async saveSnapshot(snapshot: Snapshot, firstIndexKept: number): Promise<void> {
    this.assertOpen();
    const current = this.disk.read().snapshot?.meta.index ?? 0;
    if (snapshot.meta.index <= current) return;
    if (firstIndexKept > snapshot.meta.index + 1) {
      throw new Error(`firstIndexKept ${firstIndexKept} is beyond snapshot index ${snapshot.meta.index} + 1`);
    }
    this.disk.write((log) => {
      log.snapshot = snapshot;
      const first = log.entries[0]?.index;
      if (first !== undefined && firstIndexKept > first) log.entries = log.entries.slice(firstIndexKept - first);
      if (storedLastIndex(log) < snapshot.meta.index) log.entries = [];
    }, true);
  }

  storedRange(): { first: number; last: number; snapshotIndex: number } {
    const log = this.disk.read();
    return { first: storedFirstIndex(log), last: storedLastIndex(log), snapshotIndex: log.snapshot?.meta.index ?? 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new RaftError(RaftDriverErrorCode.StorageClosed, 'memory raft log is closed');
  }
}

function checkAppend(log: StoredLog, entries: readonly Entry[], snapshot: Snapshot | null): void {
  const first = entries[0] as Entry;
  const last = snapshot !== null ? snapshot.meta.index : storedLastIndex(log);
  if (first.index > last + 1) throw new Error(`entries start at ${first.index}, leaving a gap after stored last index ${last}`);
  entries.forEach((entry, i) => {
    if (entry.index !== first.index + i) throw new Error(`entries not contiguous: ${entry.index} after ${first.index + i - 1}`);
  });
}

/** Entries overwrite from entries[0].index: stored entries beyond it are dropped. */
function appendEntries(log: StoredLog, entries: readonly Entry[]): void {
  const first = (entries[0] as Entry).index;
  const storedFirst = log.entries[0]?.index;
  if (storedFirst === undefined || first < storedFirst) log.entries = entries.slice();
  else {
    log.entries.length = Math.min(log.entries.length, first - storedFirst);
    for (const entry of entries) log.entries.push(entry);
  }
}
