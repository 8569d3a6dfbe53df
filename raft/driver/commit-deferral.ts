import type { HardState, Ready } from '../core/types.js';
import { type ReadyWrite, readyWritesNothing } from '../storage/log-storage.js';

/** What the driver decides a Ready's write from. */
export type ReadyWriteNeed = ReadyWrite & Pick<Partial<Ready>, 'mustSync'>;

/**
 * Whether a Ready's write must be synced before its messages leave. Entries and snapshots
 * always (a follower acknowledges them; a leader counts its own copy); a term or vote change
 * always (a vote granted and forgotten after a power loss lets a node vote twice in a term).
 * Only a write that moves nothing but the commit index may be lost (CommitDeferral keeps it
 * for the next write): the commit index is recomputed after a crash. The core says so with
 * `mustSync`; absent means sync.
 */
export function readyNeedsSync(ready: ReadyWriteNeed): boolean {
  if (ready.snapshot !== null || ready.entries.length > 0) return true;
  return ready.mustSync ?? true; // @mutant:term-vote-unsynced
}

/**
 * The driver's commit-only hard states: a Ready whose write needs no sync (only the commit index
 * moved) writes nothing; its hard state rides with the next write, or is written when the node
 * stops. Writing it alone cost every node one storage write per commit (for LevelDB a
 * thread-pool round trip and ~70 us of the event loop). Losing it in a crash loses nothing the
 * protocol needs: the commit index is learned again from the leader. Storage then only ever
 * sees synced writes of whole Readys.
 */
export class CommitDeferral {
  private deferred: HardState | null = null;

  /** The write `ready` needs now, carrying any deferred hard state; null when it writes nothing now. */
  take(ready: ReadyWriteNeed): ReadyWrite | null {
    if (readyWritesNothing(ready)) return null;
    if (!readyNeedsSync(ready)) {
      this.deferred = ready.hardState;
      return null;
    }
    // A Ready's hard state is the whole current one: it supersedes a deferred commit.
    const deferred = this.deferred;
    this.deferred = null;
    if (ready.hardState !== null || deferred === null) return ready;
    return { hardState: deferred, snapshot: ready.snapshot, entries: ready.entries };
  }

  /** The deferred hard state as a write of its own (on stop), or null; forgets it. */
  takeRemaining(): ReadyWrite | null {
    const hardState = this.deferred;
    this.deferred = null;
    return hardState === null ? null : { hardState, snapshot: null, entries: [] };
  }
}
