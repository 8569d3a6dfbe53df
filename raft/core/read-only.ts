import { quorumSize } from './progress.js';
import type { NodeId } from './types.js';

/** A ReadIndex request held by the leader: from itself or forwarded by a follower. */
export interface PendingRead {
  readonly context: string;
  readonly from: NodeId;
  index: number;
  round: number;
}

/**
 * Leader-side ReadIndex bookkeeping (Raft thesis §6.4). Reads are confirmed in rounds:
 * a round starts with a heartbeat broadcast carrying its number, and ends once a quorum
 * (counting the leader) has answered with that number or a later one. At most one round is
 * in flight; reads that arrive meanwhile wait and share the next round (batching).
 */
export class ReadOnly {
  /** Reads waiting for the leader's first commit in its term. */
  private awaitingCommit: PendingRead[] = [];
  /** Reads waiting for the current round to finish before starting theirs. */
  private awaitingRound: PendingRead[] = [];
  /** Reads of the round in flight. */
  private inRound: PendingRead[] = [];
  private round = 0;
  private roundInFlight = 0;
  /** Leader tick at which the round in flight started. */
  private inFlightStartTick = -1;
  /** Leader tick at which the latest quorum-confirmed round started (-1: none this term). */
  confirmedStartTick = -1;
  private readonly acks = new Map<NodeId, number>();

  constructor(
    private readonly self: NodeId,
    private voters: readonly NodeId[],
  ) {}

  /**
   * The configuration changed (membership): later acks count against the new voters, and no
   * lease from a round confirmed by the old ones is used (two changes could make the old and
   * the new quorums disjoint).
   */
  setVoters(voters: readonly NodeId[]): void {
    this.voters = voters;
    this.confirmedStartTick = -1;
  }

  size(): number {
    return this.awaitingCommit.length + this.awaitingRound.length + this.inRound.length;
  }

  /** The round number heartbeats should carry now (0 when none is in flight). */
  currentRound(): number {
    return this.roundInFlight;
  }

  add(read: PendingRead, committedInTerm: boolean): void {
    if (!committedInTerm) this.awaitingCommit.push(read);
    else this.awaitingRound.push(read);
  }

  /** The leader committed its first entry of the term: those reads may start. */
  termCommitted(): void {
    this.awaitingRound.push(...this.awaitingCommit);
    this.awaitingCommit = [];
  }

  /**
   * Start a round for waiting reads if none is in flight (`evenIfEmpty`: also with no read
   * waiting, to renew a read lease). Returns the new round number (caller broadcasts
   * heartbeats with it), or 0.
   */
  maybeStartRound(commitIndex: number, nowTick: number, evenIfEmpty = false): number {
    if (this.roundInFlight !== 0 || (this.awaitingRound.length === 0 && !evenIfEmpty)) return 0;
    this.round += 1;
    this.roundInFlight = this.round;
    this.inFlightStartTick = nowTick;
    for (const read of this.awaitingRound) {
      read.index = commitIndex;
      read.round = this.round;
    }
    this.inRound = this.awaitingRound;
    this.awaitingRound = [];
    return this.round;
  }

  /**
   * Record that `from` answered a heartbeat of round `round`. Returns the reads confirmed
   * by a quorum (the in-flight round completed), or [].
   */
  ack(from: NodeId, round: number): PendingRead[] {
    if (round === 0 || this.roundInFlight === 0) return [];
    if (round > (this.acks.get(from) ?? 0)) this.acks.set(from, round);
    return this.quorumAcked() ? this.completeRound() : [];
  }

  /**
   * The voters changed (setVoters): the round in flight may already hold a quorum of the new
   * ones (a removed voter that never answered no longer counts; a leader left the only voter
   * confirms alone). Without this, such reads waited for acks that never came (sim seed 1210).
   */
  recount(): PendingRead[] {
    return this.roundInFlight !== 0 && this.quorumAcked() ? this.completeRound() : [];
  }

  private quorumAcked(): boolean {
    let count = this.voters.includes(this.self) ? 1 : 0; // the leader itself, unless being removed
    for (const voter of this.voters) {
      if (voter !== this.self && (this.acks.get(voter) ?? 0) >= this.roundInFlight) count++;
    }
    return count >= quorumSize(this.voters.length);
  }

  /** Single-member cluster: no one else to ask. */
  completeRound(): PendingRead[] {
    if (this.roundInFlight !== 0) this.confirmedStartTick = Math.max(this.confirmedStartTick, this.inFlightStartTick);
    const done = this.inRound;
    this.inRound = [];
    this.roundInFlight = 0;
    return done;
  }

  /** Leadership lost: every pending read is returned to be failed. */
  drain(): PendingRead[] {
    const all = [...this.awaitingCommit, ...this.awaitingRound, ...this.inRound];
    this.awaitingCommit = [];
    this.awaitingRound = [];
    this.inRound = [];
    this.roundInFlight = 0;
    this.confirmedStartTick = -1;
    this.acks.clear();
    return all;
  }
}
