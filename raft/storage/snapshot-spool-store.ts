import type { SnapshotMeta } from '../core/types.js';

/**
 * Where a receiver keeps InstallSnapshot data between the stream and the state machine's
 * restore. `write` is atomic and durable when it resolves: a crash or power loss mid-write
 * leaves nothing of it. Implementations: on disk (raft/driver/snapshot-spool.ts) and, for the
 * simulator, on a simulated disk that loses unsynced removals (raft/sim/sim-snapshot-spool.ts).
 */
export interface SnapshotSpoolStore {
  /** Where the spool lives, for messages. */
  readonly where: string;
  /** Prepare it; drop partial writes and snapshots the state machine already holds. */
  open(appliedIndex: number): Promise<void>;
  /**
   * Store `chunks` as the data of `meta`. Snapshots below `staleBelow` are dropped first,
   * except the one at `keep`; refuses (rejects) when the spool is full.
   */
  write(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>, staleBelow: number, keep: number): Promise<void>;
  /** The stored data of `meta` in chunks, or null if there is none. */
  read(meta: SnapshotMeta): Promise<AsyncIterable<Uint8Array> | null>;
  /** Remove stored snapshots at or below `index`. */
  removeUpTo(index: number): Promise<void>;
}
