import type { Ready, RestoredState, Snapshot } from '../core/types.js';

/** The part of a Ready that storage writes. */
export type ReadyWrite = Pick<Ready, 'hardState' | 'snapshot' | 'entries'> & { readonly mustSync?: boolean };

/**
 * Durable Raft state as the driver needs it (after etcd's `Storage`): hard state, log entries
 * and the latest snapshot. Implemented by LevelLogStorage (LevelDB, what nodes run) and by
 * MemoryLogStorage (in memory, keeps synced and unsynced writes apart so a simulated power
 * loss can drop the unsynced ones). Callers serialize writes: one call at a time.
 */
export interface LogStorage {
  /** Read everything back: what the node wrote before it stopped, crashed or lost power. */
  load(): Promise<RestoredState>;
  /**
   * Persist a Ready's hard state, snapshot and entries as ONE atomic synced write. A Ready that
   * `readyNeedsSync` says needs no sync (only the commit index moved) may be written later: with
   * the next write, or on close. Resolves once the write is done (durable when synced).
   */
  persistReady(ready: ReadyWrite): Promise<void>;
  /** Persist a locally taken snapshot and drop entries before `firstIndexKept` (log compaction); synced. */
  saveSnapshot(snapshot: Snapshot, firstIndexKept: number): Promise<void>;
  /** First and last stored entry index (first > last: none) and the snapshot index. */
  storedRange(): { first: number; last: number; snapshotIndex: number };
  close(): Promise<void>;
}

/**
 * Whether a Ready's write must be synced before its messages leave. Entries and snapshots
 * always (a follower acknowledges them; a leader counts its own copy); a term or vote change
 * always (a vote granted and forgotten after a power loss lets a node vote twice in a term).
 * Only a write that moves nothing but the commit index may be lost (the storages defer it to
 * their next write): the commit index is recomputed after a crash. The core says so with `mustSync`; absent means sync.
 */
export function readyNeedsSync(ready: ReadyWrite): boolean {
  if (ready.snapshot !== null || ready.entries.length > 0) return true;
  return ready.mustSync ?? true; // @mutant:term-vote-unsynced
}

/** True when the Ready holds nothing for storage. */
export function readyWritesNothing(ready: ReadyWrite): boolean {
  return ready.hardState === null && ready.snapshot === null && ready.entries.length === 0;
}
