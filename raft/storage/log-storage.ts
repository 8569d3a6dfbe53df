import type { Ready, RestoredState, Snapshot } from '../core/types.js';

/** The part of a Ready that storage writes. */
export type ReadyWrite = Pick<Ready, 'hardState' | 'snapshot' | 'entries'>;

/**
 * Durable Raft state as the driver needs it (after etcd's `Storage`): hard state, log entries
 * and the latest snapshot. Implemented by LevelLogStorage (LevelDB, what nodes run) and by
 * MemoryLogStorage (in memory, over a disk whose power loss drops unsynced writes). Callers
 * serialize writes: one call at a time. Which Readys need writing at all is the driver's call
 * (a commit-only hard state waits for the next write: raft/driver/commit-deferral.ts).
 */
export interface LogStorage {
  /** Read everything back: what the node wrote before it stopped, crashed or lost power. */
  load(): Promise<RestoredState>;
  /**
   * Persist a Ready's hard state, snapshot and entries as ONE atomic synced write. Resolves once
   * the write is durable. A write of nothing is a no-op.
   */
  persistReady(ready: ReadyWrite): Promise<void>;
  /** Persist a locally taken snapshot and drop entries before `firstIndexKept` (log compaction); synced. */
  saveSnapshot(snapshot: Snapshot, firstIndexKept: number): Promise<void>;
  /** First and last stored entry index (first > last: none) and the snapshot index. */
  storedRange(): { first: number; last: number; snapshotIndex: number };
  close(): Promise<void>;
}

/** True when the Ready holds nothing for storage. */
export function readyWritesNothing(ready: ReadyWrite): boolean {
  return ready.hardState === null && ready.snapshot === null && ready.entries.length === 0;
}
