import type { AbstractSnapshot } from 'abstract-level';
import type { Level } from 'level';
import type { SnapshotHeader } from './snapshot-codec.js';
import { streamSnapshot } from './snapshot-stream.js';

/** Concurrent snapshot streams over all views (one per follower being caught up, at most). */
export const SNAPSHOT_STREAMS_MAX = 8;

interface View {
  readonly header: SnapshotHeader;
  readonly snapshot: AbstractSnapshot;
  streams: number;
  retired: boolean;
}

/**
 * The LevelDB snapshot kept at the latest checkpoint (and older ones while a stream still
 * reads them). A kept LevelDB snapshot costs no copy: LevelDB only keeps the versions it
 * covers until it is released, i.e. what changed since the checkpoint.
 */
export class SnapshotViews {
  private current: View | null = null;
  private streams = 0;

  constructor(private readonly db: Level<string, string>) {}

  /** Keep a new view (taken synchronously by the caller with the state at `header.applied`). */
  replace(header: SnapshotHeader, snapshot: AbstractSnapshot): void {
    const previous = this.current;
    this.current = { header, snapshot, streams: 0, retired: false };
    if (previous !== null) this.retire(previous);
  }

  get index(): number | null {
    return this.current?.header.applied ?? null;
  }

  /** A stream of the current view if it is at `index`; null otherwise or when too many streams run. */
  open(index: number, chunkBytesMax: number): AsyncIterable<Uint8Array> | null {
    const view = this.current;
    if (view === null || view.header.applied !== index || this.streams >= SNAPSHOT_STREAMS_MAX) return null;
    view.streams += 1;
    this.streams += 1;
    const release = (): void => {
      view.streams -= 1;
      this.streams -= 1;
      if (view.retired && view.streams === 0) void view.snapshot.close().catch(() => undefined);
    };
    const db = this.db;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* streamSnapshot(db, view.snapshot, view.header, chunkBytesMax);
        } finally {
          release();
        }
      },
    };
  }

  /** Drop the current view (restore replaces the state; close). */
  clear(): void {
    if (this.current !== null) this.retire(this.current);
    this.current = null;
  }

  private retire(view: View): void {
    view.retired = true;
    if (view.streams === 0) void view.snapshot.close().catch(() => undefined);
  }
}
