import { invariant } from './assert.js';
import { ProgressState, type NodeId, type PeerProgress } from './types.js';

/**
 * The leader's view of one follower (etcd's Progress):
 * - probe: one AppendEntries at a time until the follower's match point is found;
 * - replicate: optimistic pipelining, up to `maxInflight` messages outstanding;
 * - snapshot: an InstallSnapshot is on its way; nothing else is sent.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In probe state: an append was sent and no answer has come back yet. */
  probeSent = false;
  pendingSnapshot = 0;
  /** Tick at which the pending snapshot was sent. */
  snapshotSentTick = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Send at least one append at the next flush, even an empty one (a lost append is suspected). */
  forceSend = false;
  /** Commit index last carried to this follower by an append. */
  sentCommit = 0;
  /**
   * deferBareCommit: a read index answered to this follower before it had acknowledged the
   * entries up to it (0: none). Once it has, the leader tells it the commit index at once.
   */
  readCommitOwed = 0;
  /** Last index of each in-flight append, oldest first (replicate state only). */
  private readonly inflight: number[] = [];

  constructor(
    readonly id: NodeId,
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflight.length >= this.maxInflight;
      case ProgressState.Snapshot:
        return true;
    }
  }

  /** A heartbeat came back: a probe may go again; a full window frees one slot (etcd). */
  heartbeatAnswered(): void {
    this.probeSent = false;
    if (this.state === ProgressState.Replicate && this.inflight.length >= this.maxInflight) this.inflight.shift();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = ProgressState.Probe;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight.length = 0;
  }

  becomeReplicate(): void {
    this.state = ProgressState.Replicate;
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight.length = 0;
  }

  becomeSnapshot(snapshotIndex: number, nowTick: number): void {
    this.state = ProgressState.Snapshot;
    this.snapshotSentTick = nowTick;
    this.pendingSnapshot = snapshotIndex;
    this.probeSent = false;
    this.inflight.length = 0;
  }

  /** An append carrying entries up to `lastIndex` was sent. */
  sentEntries(lastIndex: number): void {
    if (this.state === ProgressState.Replicate) {
      invariant(this.inflight.length < this.maxInflight, `inflight window to ${this.id} overflow`);
      this.next = lastIndex + 1;
      this.inflight.push(lastIndex);
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    }
  }

  /** A successful append response for `index`. Returns true when match advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && (this.inflight[0] ?? 0) <= index) this.inflight.shift();
    return updated;
  }

  /**
   * A rejection of an append whose prevIndex was `rejected`; `probeFrom` is the next index
   * suggested by the follower's conflict hint. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, probeFrom: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      this.next = Math.max(this.match + 1, Math.min(rejected, probeFrom));
      return true;
    }
    if (this.state === ProgressState.Snapshot) return false;
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(this.match + 1, Math.min(rejected, probeFrom));
    this.probeSent = false;
    return true;
  }

  view(): PeerProgress {
    return {
      id: this.id,
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflight.length,
      recentActive: this.recentActive,
    };
  }
}

/** The largest index replicated on a quorum, given every voter's match index. */
export function quorumMatchIndex(matches: number[]): number {
  const sorted = [...matches].sort((a, b) => b - a);
  const quorum = Math.floor(matches.length / 2) + 1;
  const value = sorted[quorum - 1];
  invariant(value !== undefined, 'quorum of an empty voter set');
  return value;
}

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
