import type { Entry, SnapshotMeta } from '../core/types.js';

/**
 * The replicated application, as the driver sees it. Apply must be deterministic: the same
 * entries in the same order give the same state and results on every node.
 *
 * Snapshots (etcd's model, where the application's own storage is the snapshot):
 * - Log compaction asks only for `checkpoint()`: the applied state made durable, plus a
 *   consistent read view of it kept for InstallSnapshot. No copy of the state is built; the
 *   core's snapshot carries the meta and empty data.
 * - Only when a follower needs InstallSnapshot does the driver read the view, chunk by chunk
 *   (`snapshotChunks`), while the sender streams it; the receiver spools the stream to disk and
 *   `restore` reads it back chunk by chunk. Neither side holds the whole state in memory.
 */
export interface Checkpoint {
  readonly index: number;
  /** In-memory machines only: the whole state at `index`; null for a durable machine. */
  readonly data: Uint8Array | null;
}

export interface StateMachine<Result = unknown> {
  /**
   * Highest log index whose effects are in the state machine's own storage (0 if it keeps
   * none). On restart the driver skips committed entries up to it.
   */
  appliedIndex(): Promise<number>;
  /**
   * Apply committed entries in order (Empty entries included: advance the applied index). One
   * result per entry. A machine that writes each batch to its own storage may hand the results
   * to `onResults` as soon as it has computed them, before that write: the driver then answers
   * the batch's proposals at once instead of after the write. It may do so because the entries
   * are committed (durable on a majority) and apply is deterministic: a crash before the write
   * re-applies the same entries to the same results. It calls `onResults` at most once, with
   * the results it then returns. Reads still wait until apply resolves (the driver's applied
   * index moves only then), so a read never misses an answered write.
   */
  apply(entries: readonly Entry[], onResults?: (results: readonly Result[]) => void): Promise<Result[]>;
  /**
   * Compaction point: make everything applied so far durable (it must survive a power loss,
   * since the log up to it may then be dropped), and keep a consistent view of the state at
   * that index for `snapshotChunks`, replacing the previous view. Returns the index and, only
   * for a machine that keeps its state in memory (nothing durable of its own), the serialized
   * state, which the driver then stores as the snapshot's data. A durable machine returns
   * data null, and its checkpoint must cost O(changes since the last one), never a copy.
   */
  checkpoint(): Promise<Checkpoint>;
  /**
   * The state at the latest checkpoint, which must be at `index`, as chunks of at most
   * `chunkBytesMax` bytes read lazily from the kept view; null when the latest checkpoint is
   * not at `index` (the driver then checkpoints again). Every call gives an independent
   * stream; the view stays readable until its streams end even after a newer checkpoint.
   */
  snapshotChunks(index: number, chunkBytesMax: number): AsyncIterable<Uint8Array> | null;
  /**
   * Replace the whole state with the snapshot at `meta.index`, read from `chunks` in order.
   * Durable when it resolves (the driver then deletes its spooled copy); keeps a view at
   * `meta.index` as a checkpoint would.
   */
  restore(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}
