import { invariant } from './assert.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The in-memory view of one node's log: the latest snapshot plus the entries held after
 * (and possibly a tail before) it. It also tracks what is not yet persisted (unstable
 * entries, a snapshot received from the leader), the commit index and the applied index.
 *
 *   offset .......... snapIndex ....... stableIndex ....... lastIndex
 *   [ kept tail      ][ entries ...                        ]
 *
 * Invariants: entries are contiguous from `offset`; offset <= snapIndex + 1;
 * applied <= committed <= lastIndex; snapIndex <= committed.
 */
export class RaftLog {
  private entries: Entry[];
  private offset: number;
  private snap: Snapshot | null;
  /** Snapshot received from the leader, not yet persisted/applied. */
  private unstableSnapshot: Snapshot | null = null;
  /** Every entry with index <= stableIndex is persisted. */
  private stableIndex: number;
  committed: number;
  applied: number;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], commit: number) {
    this.snap = snapshot;
    const snapIndex = snapshot?.meta.index ?? 0;
    this.entries = [...entries];
    this.offset = entries[0]?.index ?? snapIndex + 1;
    invariant(this.offset <= snapIndex + 1, () => `restored entries start at ${this.offset}, after snapshot ${snapIndex}`);
    for (let i = 0; i < this.entries.length; i++) {
      invariant(this.entries[i]?.index === this.offset + i, 'restored entries are not contiguous');
    }
    invariant(this.lastIndex() >= snapIndex, 'restored log ends before its snapshot');
    this.stableIndex = this.lastIndex();
    this.committed = Math.max(commit, snapIndex);
    invariant(this.committed <= this.lastIndex(), () => `commit ${commit} beyond last index ${this.lastIndex()}`);
    this.applied = snapIndex;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  snapshotIndex(): number {
    return this.snap?.meta.index ?? 0;
  }

  firstIndex(): number {
    return this.offset;
  }

  lastIndex(): number {
    return this.offset + this.entries.length - 1;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at `index`, or undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === 0) return 0;
    if (index >= this.offset && index <= this.lastIndex()) return this.entries[index - this.offset]?.term;
    if (this.snap !== null && index === this.snap.meta.index) return this.snap.meta.term;
    return undefined;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi], at most `maxCount` and `maxBytes` (at least one when any). */
  slice(lo: number, hi: number, maxCount: number, maxBytes: number): Entry[] {
    invariant(lo >= this.offset, () => `slice from ${lo} below first index ${this.offset}`);
    const end = Math.min(hi, this.lastIndex(), lo + maxCount - 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= end; i++) {
      const entry = this.entries[i - this.offset];
      invariant(entry !== undefined, () => `missing entry ${i}`);
      bytes += entry.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Leader append of new entries at the end. */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) {
      invariant(entry.index === this.lastIndex() + 1, () => `append of ${entry.index} after ${this.lastIndex()}`);
      this.entries.push(entry);
    }
  }

  /**
   * Follower side of AppendEntries. Returns the index of the last new entry, or null when
   * the log does not contain an entry at prevIndex with prevTerm.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNewIndex = prevIndex + entries.length;
    const conflictIndex = this.findConflict(entries); // @mutant:truncate-on-stale-append
    if (conflictIndex !== 0) {
      invariant(conflictIndex > this.committed, () => `entry ${conflictIndex} conflicts with committed entry (commit ${this.committed})`);
      const first = entries[0];
      invariant(first !== undefined, 'conflict without entries');
      this.truncateAndAppend(entries.slice(conflictIndex - first.index));
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return lastNewIndex;
  }

  /** First entry that is new or conflicts with ours; 0 when we already hold them all. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    invariant(first.index >= this.offset && first.index <= this.lastIndex() + 1, () => `truncate at ${first.index} outside log`);
    this.entries.length = first.index - this.offset;
    this.stableIndex = Math.min(this.stableIndex, first.index - 1);
    this.append(entries);
  }

  /**
   * Largest index <= `index` whose term is <= `term` (fast backoff). Never goes below the
   * commit index on the follower side (`floor`), nor below a compacted point.
   */
  findConflictByTerm(index: number, term: number, floor = 0): number {
    let i = Math.min(index, this.lastIndex());
    while (i > floor) {
      const t = this.term(i);
      if (t === undefined || t <= term) break;
      i--;
    }
    return i;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Install a snapshot from the leader: the log is replaced by it. */
  restore(snapshot: Snapshot): void {
    invariant(snapshot.meta.index > this.committed, 'restore of a snapshot not beyond commit');
    this.snap = snapshot;
    this.unstableSnapshot = snapshot;
    this.entries = [];
    this.offset = snapshot.meta.index + 1;
    this.stableIndex = snapshot.meta.index;
    this.committed = snapshot.meta.index;
  }

  /** The application took a snapshot at `index`; keep `keep` entries behind it. */
  compact(snapshot: Snapshot, keep: number): void {
    const index = snapshot.meta.index;
    invariant(index <= this.applied, () => `compact at ${index} beyond applied ${this.applied}`);
    invariant(index <= this.stableIndex, () => `compact at ${index} beyond stable ${this.stableIndex}`);
    this.snap = snapshot;
    const newOffset = Math.max(this.offset, index - keep + 1);
    if (newOffset > this.offset) {
      this.entries = this.entries.slice(newOffset - this.offset);
      this.offset = newOffset;
    }
  }

  pendingSnapshot(): Snapshot | null {
    return this.unstableSnapshot;
  }

  unstableEntries(): Entry[] {
    const from = Math.max(this.stableIndex + 1, this.offset);
    return this.entries.slice(from - this.offset);
  }

  hasUnstable(): boolean {
    return this.unstableSnapshot !== null || this.lastIndex() > this.stableIndex;
  }

  /** Committed entries not yet handed to the application (after a pending snapshot). */
  nextCommitted(maxCount: number): Entry[] {
    const from = Math.max(this.applied, this.unstableSnapshot?.meta.index ?? 0) + 1;
    if (from > this.committed) return [];
    invariant(from >= this.offset, () => `committed entry ${from} was compacted before being applied`);
    return this.entries.slice(from - this.offset, Math.min(this.committed, from + maxCount - 1) - this.offset + 1);
  }

  hasNextCommitted(): boolean {
    return Math.max(this.applied, this.unstableSnapshot?.meta.index ?? 0) < this.committed;
  }

  /**
   * Last index this node has persisted (the driver reported it in advance()): a leader counts
   * itself toward a commit quorum only up to here, so it may send entries before its own fsync.
   */
  durableLastIndex(): number {
    return Math.min(this.stableIndex, this.lastIndex());
  }

  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index;
  }

  snapshotPersisted(snapshot: Snapshot): void {
    if (this.unstableSnapshot === snapshot) {
      this.unstableSnapshot = null;
      this.applied = Math.max(this.applied, snapshot.meta.index);
    }
  }

  appliedTo(index: number): void {
    invariant(index <= this.committed, () => `applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }
}
