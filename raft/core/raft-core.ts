import type { RaftCoreApi } from './api.js';
import { invariant } from './assert.js';
import {
  applyConfChange,
  confChangeProblem,
  ConfChangeType,
  encodeConfEntry,
  sameConf,
  type ConfChange,
  type ConfState,
} from './conf-change.js';
import { ConfTracker } from './conf-tracker.js';
import { validateRaftConfig, type RaftConfig } from './config.js';
import { RaftLog } from './log.js';
import { Progress, quorumMatchIndex, quorumSize } from './progress.js';
import { ReadOnly, type PendingRead } from './read-only.js';
import type { Rng } from '../../common/rng.js';
import {
  EntryKind,
  MessageType,
  ProgressState,
  RaftErrorCode,
  ReadFailureReason,
  Role,
  type AppendMessage,
  type AppendRespMessage,
  type ConfChangeResult,
  type HardState,
  type HeartbeatMessage,
  type Message,
  type NodeId,
  type ProposeResult,
  type ReadFailure,
  type ReadIndexRespMessage,
  type ReadState,
  type Ready,
  type RestoredState,
  type Snapshot,
  type SnapshotMessage,
  type SoftState,
  type RoleInfo,
  type Status,
  type TransferResult,
  type VoteMessage,
  type VoteRespMessage,
} from './types.js';

type StepFn = (m: Message) => void;

const ElectionKind = {
  /** Election timeout: pre-vote first when enabled. */
  Normal: 'normal',
  /** Pre-vote won: the real election. */
  AfterPreVote: 'after-pre-vote',
  /** TimeoutNow from the leader: skip pre-vote and leader stickiness. */
  Transfer: 'transfer',
} as const;
type ElectionKind = (typeof ElectionKind)[keyof typeof ElectionKind];

const EMPTY = new Uint8Array(0);

/** A read forwarded by this follower to the leader, awaiting its answer. */
interface ForwardedRead {
  readonly leader: NodeId;
  readonly deadlineTick: number;
  /** Last tick the request went to the leader (re-sent if unanswered: messages can be lost). */
  sentTick: number;
}

/**
 * The pure Raft state machine (after etcd raft). Term handling happens once in `step`;
 * role behaviour is a swapped step function. Everything it wants done leaves through
 * `ready()`. No I/O, no clock, no ambient randomness.
 */
export class RaftCore implements RaftCoreApi {
  private readonly config: RaftConfig;
  private readonly rng: Rng;
  private readonly log: RaftLog;
  /** Membership: the configuration in effect is the latest one appended (conf-change.ts). */
  private readonly confs: ConfTracker;
  private conf: ConfState;

  private term = 0;
  private vote: NodeId | null = null;
  private role: Role = Role.Follower;
  private leader: NodeId | null = null;
  private stepRole: StepFn;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private ticks = 0;
  /** Tick at which a leader was last heard from (append, heartbeat, snapshot); kept across term changes. */
  private leaderHeardAtTick = -1;
  /** Pre-votes ignored while a leader's lease may hold, latest per sender: stepped again once it ends. */
  private readonly deferredPreVotes = new Map<NodeId, VoteMessage>();

  private readonly votes = new Map<NodeId, boolean>();
  private readonly progress = new Map<NodeId, Progress>();
  private transferee: NodeId | null = null;
  /** The driver's word that the read lease from the latest confirmed round is still valid. */
  private readLeaseValid = false;
  /** A transfer was started this term: no lease reads until the term ends (TimeoutNow bypasses leases). */
  private transferStartedInTerm = false;
  private readOnly: ReadOnly;
  private readonly forwardedReads = new Map<string, ForwardedRead>();
  /** Leader: something may need sending to followers at the next ready(). */
  private replicationDirty = false;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private readFailures: ReadFailure[] = [];
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private outstanding: Ready | null = null;

  constructor(config: RaftConfig, rng: Rng, restored: RestoredState) {
    validateRaftConfig(config);
    this.config = config;
    this.rng = rng;
    this.log = new RaftLog(restored.snapshot, restored.entries, restored.hardState.commit);
    const bootstrap: ConfState = { voters: [...config.voters], learners: [...config.learners], addresses: {} };
    this.confs = new ConfTracker(bootstrap, restored.snapshot?.meta ?? null, restored.entries);
    this.conf = this.confs.current();
    this.term = restored.hardState.term;
    this.vote = restored.hardState.vote;
    this.prevHardState = this.hardState();
    this.readOnly = new ReadOnly(config.id, this.conf.voters);
    this.stepRole = this.stepFollower;
    this.becomeFollower(this.term, null);
    this.prevSoftState = this.softState();
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.ticks++;
    this.expireForwardedReads();
    if (this.role === Role.Leader) this.tickLeader();
    else if (this.tickElection()) this.deferredPreVotes.clear(); // campaigning itself: see below
    this.stepDeferredPreVotes();
  }

  /**
   * A follower ignores pre-votes while its leader's lease may hold (leader stickiness), and
   * nothing asked it again when the lease ended a tick or two later: the pre-candidate waited
   * a whole randomized timeout more, or this node's own pre-vote failed when its log was
   * behind, so a leader's crash took a second election round (bench failover: 1.1-1.5 s
   * instead of 0.6-0.9 s). Once the lease is over, the latest ignored pre-vote of each sender
   * is stepped again: the same as the network delivering it late, which Raft allows. Not when
   * this node's own timer ran out at the same tick: two pre-candidates that grant each other
   * both campaign and split the vote (a third round, 1.3 s, in one bench run); the other grants
   * this node's pre-vote instead, as before.
   */
  private stepDeferredPreVotes(): void {
    if (this.deferredPreVotes.size === 0 || this.leaseStickiness()) return;
    const deferred = [...this.deferredPreVotes.values()];
    this.deferredPreVotes.clear();
    for (const m of deferred) this.step(m);
  }

  /** Whether vote requests of a higher term are ignored: a leader's lease may still hold. */
  private leaseStickiness(): boolean {
    return (
      (this.config.checkQuorum && this.leader !== null && this.electionElapsed < this.config.electionTimeoutTicks) ||
      // A restarted node may have confirmed a leader's lease just before it crashed.
      (this.config.leaseReads && this.ticks < this.config.electionTimeoutTicks)
    );
  }

  /** Returns true when the election timer ran out (this node campaigns, if it may). */
  private tickElection(): boolean {
    this.electionElapsed++;
    if (this.electionElapsed < this.randomizedElectionTimeout) return false;
    this.electionElapsed = 0;
    this.forgetSilentLeader();
    this.startElection(ElectionKind.Normal);
    return true;
  }

  /**
   * A learner or removed member (it never campaigns, so nothing else clears its leader) that heard
   * no leader for an election timeout forgets it: its reads then fail at once instead of waiting
   * on a leader that may have removed it (a removed member hears nothing more; sim seed 49).
   */
  private forgetSilentLeader(): void {
    if (this.isVoter(this.config.id) || this.leader === null) return;
    this.leader = null;
    this.failForwardedReads();
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      this.abortTransfer();
    }
    if (this.heartbeatElapsed >= this.config.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0;
      this.retryStalledSnapshots();
      if (this.config.leaseReads && !this.soleVoter()) this.readOnly.maybeStartRound(this.log.committed, this.ticks, true);
      this.broadcastHeartbeat();
    }
  }

  /** A snapshot whose outcome was never reported (lost message, dead stream) is sent again. */
  private retryStalledSnapshots(): void {
    for (const pr of this.progress.values()) {
      if (pr.state === ProgressState.Snapshot && this.ticks - pr.snapshotSentTick >= this.config.snapshotRetryTicks) {
        pr.becomeProbe();
        this.replicationDirty = true;
      }
    }
  }

  campaign(): void {
    if (this.role !== Role.Leader) this.startElection(ElectionKind.Normal);
  }

  // Senders outside the configuration are not ignored: a lagging member must still hear from a
  // leader added after its latest configuration entry (members learn of members from the log).
  step(m: Message): void {
    if (m.to !== this.config.id || m.from === this.config.id) return;
    if ((m.type === MessageType.Vote || m.type === MessageType.PreVote) && this.ignoresCandidate(m)) return;
    if (m.term > this.term) {
      if (this.removalCommittedHere(m.from)) return;
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.handleLowerTerm(m);
      return;
    }
    switch (m.type) {
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        this.stepRole(m);
    }
  }

  /** Term handling for a message from a higher term. Returns false when it is ignored. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) { // @mutant:lease-stickiness-prevote-only
      if (this.leaseStickiness() && !m.transfer) {
        if (m.type === MessageType.PreVote && this.role !== Role.Leader) this.deferredPreVotes.set(m.from, m);
        return false;
      }
    }
    if (m.type === MessageType.PreVote) return true;
    if (m.type === MessageType.PreVoteResp && !m.reject) return true;
    const fromLeader =
      m.type === MessageType.Append || m.type === MessageType.Heartbeat || m.type === MessageType.Snapshot;
    // A follower's election timer runs on unless it hears from a leader or grants a vote (Raft
    // §5.2; handleVoteRequest resets it on a grant). Were a vote request's higher term enough to
    // reset it, a candidate whose stale log can never win would hold off, round after round, the
    // one member that can (a 2-member cluster without PreVote stayed leaderless; sim seed 1765).
    const keepTimer = m.type === MessageType.Vote && this.role === Role.Follower;
    const timer = { elapsed: this.electionElapsed, timeout: this.randomizedElectionTimeout };
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    if (keepTimer) {
      this.electionElapsed = timer.elapsed;
      this.randomizedElectionTimeout = timer.timeout;
    }
    return true;
  }

  private handleLowerTerm(m: Message): void {
    if (m.type === MessageType.Append || m.type === MessageType.Heartbeat) {
      // Let a deposed leader learn the new term (its PreVote/CheckQuorum would otherwise hide it).
      this.send({ type: MessageType.AppendResp, to: m.from, term: this.term, reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === MessageType.PreVote || m.type === MessageType.Vote) {
      // A candidate behind in term learns the term it must pass (Raft §5.1). Silence stranded one
      // whose term lagged: the only member that could win, its requests to the one voter it
      // needed ignored as stale, round after round (sim seed 519).
      const type = m.type === MessageType.PreVote ? MessageType.PreVoteResp : MessageType.VoteResp;
      this.send({ type, to: m.from, term: this.term, reject: true });
    } else if (m.type === MessageType.ReadIndex) {
      this.send({ type: MessageType.ReadIndexResp, to: m.from, term: this.term, context: m.context, index: 0, reject: true });
    }
  }

  private handleVoteRequest(m: VoteMessage): void {
    const isPre = m.type === MessageType.PreVote;
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leader === null && (isPre || m.transfer || !this.leaseMayHold())) || // @mutant:vote-ignores-lease-in-term
      (isPre && m.term > this.term);
    const upToDate = this.log.isUpToDate(m.lastIndex, m.lastTerm); // @mutant:vote-no-log-check
    const respType = isPre ? MessageType.PreVoteResp : MessageType.VoteResp;
    if (canVote && upToDate) {
      this.send({ type: respType, to: m.from, term: m.term, reject: false });
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      // Two pre-candidates of one round that grant each other both become candidates of the same
      // term, each voting for itself: a split vote, a whole second round (bench failover, two
      // followers' timers 1 ms apart: 1.2 s). The one granting a lower id steps back and waits a
      // full timeout again; the lower id, granted by it, goes ahead.
      if (isPre && this.role === Role.PreCandidate && m.term === this.term + 1 && m.from < this.config.id) {
        this.becomeFollower(this.term, null);
      }
    } else {
      this.send({ type: respType, to: m.from, term: this.term, reject: true });
    }
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.role !== Role.Leader || this.removalCommitted()) return { ok: false, code: RaftErrorCode.NotLeader, leader: this.leader };
    if (this.transferee !== null) return { ok: false, code: RaftErrorCode.TransferInProgress, leader: this.leader };
    if (data.length > this.config.maxProposalBytes) {
      return { ok: false, code: RaftErrorCode.ProposalTooLarge, leader: this.leader };
    }
    if (this.log.lastIndex() - this.log.committed >= this.config.maxUncommittedEntries) {
      return { ok: false, code: RaftErrorCode.ProposalQueueFull, leader: this.leader };
    }
    const index = this.appendEntry(EntryKind.Normal, data);
    return { ok: true, index, term: this.term };
  }

  readIndex(context: string): void {
    if (this.readOnly.size() + this.forwardedReads.size >= this.config.maxPendingReads) {
      this.readFailures.push({ context, reason: ReadFailureReason.QueueFull });
      return;
    }
    if (this.role === Role.Leader) {
      this.leaderRead({ context, from: this.config.id, index: 0, round: 0 });
    } else if (this.leader === null) {
      this.readFailures.push({ context, reason: ReadFailureReason.NoLeader });
    } else {
      this.forwardedReads.set(context, { leader: this.leader, deadlineTick: this.ticks + this.config.readTimeoutTicks, sentTick: this.ticks });
      this.send({ type: MessageType.ReadIndex, to: this.leader, term: this.term, context });
    }
  }

  transferLeadership(to: NodeId): TransferResult {
    if (this.role !== Role.Leader) return { ok: false, code: RaftErrorCode.NotLeader, leader: this.leader };
    if (to === this.config.id) return { ok: true };
    const pr = this.progress.get(to);
    if (pr === undefined || !this.isVoter(to)) return { ok: false, code: RaftErrorCode.UnknownPeer, leader: this.leader };
    this.transferee = to;
    this.transferStartedInTerm = true;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to); // @mutant:timeout-now-early
    else this.sendAppend(to);
    return { ok: true };
  }

  reportUnreachable(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (this.role === Role.Leader && pr !== undefined && pr.state === ProgressState.Replicate) pr.becomeProbe();
  }

  reportSnapshot(peer: NodeId, ok: boolean): void {
    const pr = this.progress.get(peer);
    if (this.role !== Role.Leader || pr === undefined || pr.state !== ProgressState.Snapshot) return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's append response before probing again.
    pr.probeSent = true;
  }

  compact(index: number, data: Uint8Array): { snapshot: Snapshot; firstIndex: number } {
    const term = this.log.term(index);
    invariant(index > this.log.snapshotIndex(), () => `compact at ${index} not beyond snapshot ${this.log.snapshotIndex()}`);
    invariant(term !== undefined, () => `compact at ${index}: term unknown`);
    const conf = this.confs.compacted(index);
    const meta = { index, term, voters: [...conf.voters], learners: [...conf.learners], addresses: { ...conf.addresses } };
    const snapshot: Snapshot = { meta, data };
    this.log.compact(snapshot, this.config.compactionKeepEntries);
    return { snapshot, firstIndex: this.log.firstIndex() };
  }

  // ---------------------------------------------------------------- roles

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.config.electionTimeoutTicks + this.rng.int(0, this.config.electionTimeoutTicks);
    this.votes.clear();
    this.transferee = null;
    this.transferStartedInTerm = false;
    this.readLeaseValid = false;
    this.failLeaderReads();
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    const previousLeader = this.leader;
    const previousTerm = this.term;
    this.reset(term);
    this.role = Role.Follower;
    this.leader = leader;
    this.stepRole = this.stepFollower;
    this.progress.clear();
    if (term !== previousTerm || (previousLeader !== null && leader !== previousLeader)) this.failForwardedReads();
  }

  private becomePreCandidate(): void {
    invariant(this.role !== Role.Leader, 'leader cannot become pre-candidate');
    // A pre-candidate keeps its term and vote: nothing is persisted by a pre-vote.
    this.role = Role.PreCandidate;
    this.stepRole = this.stepCandidate;
    this.votes.clear();
    this.failForwardedReads();
    this.leader = null;
  }

  private becomeCandidate(): void {
    invariant(this.role !== Role.Leader, 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.failForwardedReads();
    this.vote = this.config.id;
    this.role = Role.Candidate;
    this.stepRole = this.stepCandidate;
  }

  private becomeLeader(): void {
    invariant(this.role === Role.Candidate, () => `${this.role} cannot become leader`);
    this.reset(this.term);
    this.role = Role.Leader;
    this.leader = this.config.id;
    this.stepRole = this.stepLeader;
    this.readOnly = new ReadOnly(this.config.id, this.conf.voters);
    const last = this.log.lastIndex();
    for (const peer of this.memberPeers()) {
      this.progress.set(peer, new Progress(peer, last + 1, this.config.maxInflightMessages));
    }
    // The no-op commits entries of earlier terms by counting entries of this term (Figure 8).
    this.appendEntry(EntryKind.Empty, EMPTY);
  }

  private startElection(kind: ElectionKind): void {
    // Learners and removed members never campaign (a removed node that learned of its removal is silent).
    if (!this.mayCampaign()) return; // @mutant:removed-node-campaigns
    if (this.config.preVote && kind === ElectionKind.Normal) {
      this.becomePreCandidate();
      this.requestVotes(MessageType.PreVote, this.term + 1, false);
    } else {
      this.becomeCandidate();
      this.requestVotes(MessageType.Vote, this.term, kind === ElectionKind.Transfer);
    }
  }

  private requestVotes(type: VoteMessage['type'], term: number, transfer: boolean): void {
    this.votes.set(this.config.id, true);
    if (this.tallyVotes()) return;
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const peer of this.voterPeers()) {
      this.send({ type, to: peer, term, lastIndex, lastTerm, transfer });
    }
  }

  /** Returns true when the election was decided (won or lost). */
  private tallyVotes(): boolean {
    let granted = 0;
    let rejected = 0;
    for (const [id, v] of this.votes) {
      if (!this.isVoter(id)) continue; // only votes of the configuration in effect count
      if (v) granted++;
      else rejected++;
    }
    const quorum = quorumSize(this.conf.voters.length);
    if (granted >= quorum) {
      if (this.role === Role.PreCandidate) this.startElection(ElectionKind.AfterPreVote);
      else this.becomeLeader();
      return true;
    }
    if (rejected >= quorum) {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- step functions

  private heardFromLeader(leader: NodeId): void {
    this.deferredPreVotes.clear(); // a leader is alive: its lease holds again
    this.electionElapsed = 0;
    this.leader = leader;
    this.leaderHeardAtTick = this.ticks;
  }

  /**
   * Lease reads: a leader's lease may still hold if this node heard from a leader less than an
   * election timeout ago, or restarted less than one ago. Then it votes for no one but a
   * transfer target, even in a term it reached through some other message (a candidate's
   * answer to a stale append carries the candidate's term: it ends the node's leader, not the lease).
   */
  private leaseMayHold(): boolean {
    if (!this.config.leaseReads) return false;
    const timeout = this.config.electionTimeoutTicks;
    return this.ticks < timeout || (this.leaderHeardAtTick >= 0 && this.ticks - this.leaderHeardAtTick < timeout);
  }

  private stepFollower = (m: Message): void => {
    switch (m.type) {
      case MessageType.Append:
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.TimeoutNow:
        // A leadership transfer: campaign at once, skipping pre-vote and leader stickiness.
        this.startElection(ElectionKind.Transfer);
        return;
      case MessageType.ReadIndex:
        this.send({ type: MessageType.ReadIndexResp, to: m.from, term: this.term, context: m.context, index: 0, reject: true });
        return;
      case MessageType.ReadIndexResp:
        this.handleReadIndexResp(m);
        return;
      default:
        return;
    }
  };

  private stepCandidate = (m: Message): void => {
    switch (m.type) {
      case MessageType.Append:
      case MessageType.Heartbeat:
      case MessageType.Snapshot:
        // A leader exists in this term.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case MessageType.VoteResp:
      case MessageType.PreVoteResp:
        this.handleVoteResp(m);
        return;
      case MessageType.ReadIndex:
        this.send({ type: MessageType.ReadIndexResp, to: m.from, term: this.term, context: m.context, index: 0, reject: true });
        return;
      default:
        return;
    }
  };

  private handleVoteResp(m: VoteRespMessage): void {
    const expected = this.role === Role.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    if (m.type !== expected) return;
    if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
    this.tallyVotes();
  }

  private stepLeader = (m: Message): void => {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    switch (m.type) {
      case MessageType.AppendResp:
        this.handleAppendResp(pr, m);
        return;
      case MessageType.HeartbeatResp:
        pr.heartbeatAnswered();
        if (pr.match < this.log.lastIndex()) {
          // Appends may have been lost: make sure the next flush sends at least a probe.
          pr.forceSend = true;
          this.replicationDirty = true;
        }
        this.releaseReads(this.readOnly.ack(m.from, m.readRound));
        return;
      case MessageType.ReadIndex:
        if (this.readOnly.size() >= this.config.maxPendingReads) {
          this.send({ type: MessageType.ReadIndexResp, to: m.from, term: this.term, context: m.context, index: 0, reject: true });
          return;
        }
        this.leaderRead({ context: m.context, from: m.from, index: 0, round: 0 });
        return;
      default:
        return;
    }
  };

  // ---------------------------------------------------------------- replication

  private appendEntry(kind: EntryKind, data: Uint8Array): number {
    const index = this.log.lastIndex() + 1;
    const entry = { index, term: this.term, kind, data };
    this.log.append([entry]);
    if (kind === EntryKind.ConfChange) {
      this.confs.appended([entry]);
      this.refreshConf();
    }
    this.replicationDirty = true;
    this.maybeCommit();
    return index;
  }

  private handleAppend(m: AppendMessage): void {
    if (m.prevIndex < this.log.committed) {
      this.sendAppendResp(m.from, false, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.confs.followerAppended(m.prevIndex, m.entries, this.log.lastIndex());
      this.refreshConf();
      if (m.commitOnly === true) return; // never with entries: the core sends none, the codec refuses them
      this.sendAppendResp(m.from, false, lastNew);
      return;
    }
    const hintIndex = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm, this.log.committed);
    const hintTerm = this.log.term(hintIndex);
    invariant(hintTerm !== undefined, () => `conflict hint ${hintIndex} has no term`);
    this.send({ type: MessageType.AppendResp, to: m.from, term: this.term, reject: true, index: m.prevIndex, hintIndex, hintTerm });
  }

  private sendAppendResp(to: NodeId, reject: boolean, index: number): void {
    this.send({ type: MessageType.AppendResp, to, term: this.term, reject, index, hintIndex: 0, hintTerm: 0 });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: MessageType.HeartbeatResp, to: m.from, term: this.term, readRound: m.readRound });
    this.resendForwardedReads(m.from);
  }

  /** The leader is reachable again: re-send reads it has not answered for a while. */
  private resendForwardedReads(leader: NodeId): void {
    const resendAfterTicks = Math.max(2, Math.floor(this.config.electionTimeoutTicks / 2));
    for (const [context, read] of this.forwardedReads) {
      if (read.leader === leader && this.ticks - read.sentTick >= resendAfterTicks) {
        read.sentTick = this.ticks;
        this.send({ type: MessageType.ReadIndex, to: leader, term: this.term, context });
      }
    }
  }

  private handleSnapshot(m: SnapshotMessage): void {
    const { index, term } = m.snapshot.meta;
    if (index <= this.log.committed) {
      this.sendAppendResp(m.from, false, this.log.committed);
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry: just fast-forward the commit.
      this.log.commitTo(index);
      this.sendAppendResp(m.from, false, this.log.committed);
      return;
    }
    this.log.restore(m.snapshot);
    this.confs.restored(m.snapshot.meta);
    this.refreshConf();
    this.sendAppendResp(m.from, false, index);
  }

  private handleAppendResp(pr: Progress, m: AppendRespMessage): void {
    if (m.reject) {
      const probeFrom = this.log.findConflictByTerm(m.hintIndex, m.hintTerm) + 1;
      if (pr.maybeDecrTo(m.index, probeFrom)) this.replicationDirty = true;
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === ProgressState.Probe) pr.becomeReplicate();
      else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
      this.maybeCommit();
      if (pr.readCommitOwed > 0 && pr.match >= pr.readCommitOwed) {
        pr.readCommitOwed = 0;
        if (pr.state === ProgressState.Replicate && pr.sentCommit < this.log.committed) this.sendCommitAtMatch(m.from, pr);
      }
      this.replicationDirty = true;
      if (m.from === this.transferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
    } else if (wasPaused && !pr.isPaused()) {
      this.replicationDirty = true;
    } else if (pr.state === ProgressState.Probe) {
      // A stale or duplicate success still tells us the probe was answered.
      pr.probeSent = false;
      this.replicationDirty = true;
    }
  }

  private maybeCommit(): void {
    if (this.role !== Role.Leader) return;
    // Quorum of the configuration in effect, committed or not (the leader counts only while it is
    // a voter, and only the entries it has persisted: the driver may send a Ready's appends before
    // its own fsync, Raft thesis 10.2.1; advance() counts the rest once durable); learners'
    // acknowledgements count for nothing.
    const voters = this.conf.voters; // @mutant:conf-quorum-old-config
    const matches = voters.map((id) => this.matchOf(id)); // @mutant:learner-ack-counts
    const mci = quorumMatchIndex(matches);
    if (mci > this.log.committed && this.log.term(mci) === this.term) { // @mutant:commit-prev-term
      const wasCommittedInTerm = this.committedInTerm();
      this.log.commitTo(mci);
      this.replicationDirty = true;
      if (!wasCommittedInTerm) {
        this.readOnly.termCommitted();
        this.maybeStartReadRound();
      }
    }
  }

  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Send whatever each follower needs: new entries, or the new commit index. */
  private flushReplication(): void {
    if (this.role !== Role.Leader || !this.replicationDirty) return;
    this.replicationDirty = false;
    for (const peer of this.progress.keys()) this.sendAppend(peer);
  }

  /**
   * Send appends to `to` while there is something to send and the window allows.
   *
   * With `deferBareCommit` a new commit index alone makes no append to a follower in replicate
   * state: it travels with the next entries (every append carries the commit index), the next
   * heartbeat (every heartbeat interval), and right before the answer to that follower's
   * ReadIndex (releaseReads; or as soon as it acknowledges the read's entries, handleAppendResp),
   * so a follower's linearizable read does not wait for a heartbeat. Sending it
   * at once cost every committed batch one more message to each follower, through the fault
   * proxy and the follower's event loop, on a 2-core machine where those wake-ups are the
   * trade's latency (paired A/B in bench/README.md, session 8).
   */
  private sendAppend(to: NodeId): void {
    const pr = this.progress.get(to);
    invariant(pr !== undefined, () => `no progress for ${to}`);
    let sentAny = false;
    while (!pr.isPaused()) {
      const hasEntries = pr.next <= this.log.lastIndex();
      const commitWaits = pr.sentCommit >= this.log.committed || (this.config.deferBareCommit && pr.state === ProgressState.Replicate);
      if (!hasEntries && (sentAny || (commitWaits && !pr.forceSend))) return;
      pr.forceSend = false;
      if (!this.sendOneAppend(to, pr)) return;
      sentAny = true;
      if (pr.state !== ProgressState.Replicate) return;
    }
  }

  /** Returns false when a snapshot had to be sent instead. */
  private sendOneAppend(to: NodeId, pr: Progress): boolean {
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      this.sendSnapshot(to, pr);
      return false;
    }
    const entries =
      pr.next <= this.log.lastIndex()
        ? this.log.slice(pr.next, this.log.lastIndex(), this.config.maxEntriesPerMessage, this.config.maxBytesPerMessage)
        : [];
    const commit = this.log.committed;
    const commitOnly = entries.length === 0 && pr.state === ProgressState.Replicate && pr.match === prevIndex;
    this.send({ type: MessageType.Append, to, term: this.term, prevIndex, prevTerm, entries, commit, ...(commitOnly ? { commitOnly } : {}) });
    pr.sentCommit = commit;
    if (commitOnly) return true; // nothing in flight: only a rejection would answer it
    const last = entries[entries.length - 1];
    pr.sentEntries(last === undefined ? prevIndex : last.index);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): void {
    const snapshot = this.log.snapshot();
    invariant(snapshot !== null, () => `follower ${to} needs compacted entries but there is no snapshot`);
    pr.becomeSnapshot(snapshot.meta.index, this.ticks);
    this.send({ type: MessageType.Snapshot, to, term: this.term, snapshot });
  }

  private broadcastHeartbeat(): void {
    const readRound = this.readOnly.currentRound();
    for (const [peer, pr] of this.progress) {
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: MessageType.Heartbeat, to: peer, term: this.term, commit, readRound });
    }
  }

  /**
   * The transfer timed out: proposals are taken again, so a TimeoutNow still waiting to leave in
   * this Ready (queued while the driver was busy) must not go: the transferee would campaign
   * without the entries appended after it (sim seed 1313: TimeoutNow queued at match 28 left
   * with entry 29 two ticks later).
   */
  private abortTransfer(): void {
    this.transferee = null;
    this.msgs = this.msgs.filter((m) => m.type !== MessageType.TimeoutNow);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.TimeoutNow, to, term: this.term });
  }

  private quorumActive(): boolean {
    let active = this.isVoter(this.config.id) ? 1 : 0;
    for (const pr of this.progress.values()) {
      if (pr.recentActive && this.isVoter(pr.id)) active++;
      pr.recentActive = false;
    }
    return active >= quorumSize(this.conf.voters.length);
  }

  // ---------------------------------------------------------------- reads

  /** Lease reads (config.leaseReads): the driver says whether the lease still holds, in its clock. */
  setReadLease(valid: boolean): void {
    this.readLeaseValid = valid;
  }

  /** Leader tick at which the latest quorum-confirmed heartbeat round of this term started, or -1. */
  readLeaseTick(): number {
    return this.role === Role.Leader ? this.readOnly.confirmedStartTick : -1;
  }

  private leaseHolds(): boolean {
    return this.config.leaseReads && this.readLeaseValid && !this.transferStartedInTerm && this.readOnly.confirmedStartTick >= 0; // @mutant:lease-ignores-clock
  }

  private leaderRead(read: PendingRead): void {
    const confirmed = this.soleVoter() || this.leaseHolds(); // @mutant:read-without-leadership-check
    if (confirmed && this.committedInTerm()) {
      read.index = this.log.committed;
      this.releaseReads([read]);
      return;
    }
    this.readOnly.add(read, this.committedInTerm());
    this.maybeStartReadRound();
  }

  private maybeStartReadRound(): void {
    const round = this.readOnly.maybeStartRound(this.log.committed, this.ticks);
    if (round === 0) return;
    if (this.soleVoter()) {
      this.releaseReads(this.readOnly.completeRound());
      return;
    }
    this.broadcastHeartbeat();
  }

  private releaseReads(reads: readonly PendingRead[]): void {
    for (const read of reads) {
      if (read.from === this.config.id) {
        this.readStates.push({ context: read.context, index: read.index });
      } else {
        this.sendCommitFor(read.from, read.index);
        const resp: ReadIndexRespMessage = {
          type: MessageType.ReadIndexResp, from: this.config.id, to: read.from, term: this.term,
          context: read.context, index: read.index, reject: false,
        };
        this.msgs.push(resp);
      }
    }
    if (reads.length > 0) this.maybeStartReadRound();
  }

  /**
   * Before a follower's read index leaves: if the follower may not know that `index` is
   * committed (sendAppend defers a bare commit index), tell it, up to what it is known to hold
   * (an append without entries at its match point); later entries bring the rest.
   */
  private sendCommitFor(to: NodeId, index: number): void {
    const pr = this.progress.get(to);
    if (!this.config.deferBareCommit || pr === undefined || pr.state !== ProgressState.Replicate) return;
    // Entries up to the index still on their way to it: tell it once it has acknowledged them.
    if (pr.match < index) pr.readCommitOwed = Math.max(pr.readCommitOwed, index);
    if (pr.sentCommit >= Math.min(index, this.log.committed, pr.match)) return; // nothing new it could take now
    this.sendCommitAtMatch(to, pr);
  }

  /** An append without entries at the follower's match point, carrying the commit index. */
  private sendCommitAtMatch(to: NodeId, pr: Progress): void {
    const prevTerm = this.log.term(pr.match);
    if (prevTerm === undefined) return; // compacted below its match: the next append or heartbeat carries it
    const commit = this.log.committed;
    this.send({ type: MessageType.Append, to, term: this.term, prevIndex: pr.match, prevTerm, entries: [], commit, commitOnly: true });
    pr.sentCommit = Math.min(commit, pr.match); // the follower commits no further than the message's last index
  }

  private handleReadIndexResp(m: ReadIndexRespMessage): void {
    const pending = this.forwardedReads.get(m.context);
    if (pending === undefined || pending.leader !== m.from) return;
    this.forwardedReads.delete(m.context);
    if (m.reject) this.readFailures.push({ context: m.context, reason: ReadFailureReason.NotLeader });
    else this.readStates.push({ context: m.context, index: m.index });
  }

  private failLeaderReads(): void {
    for (const read of this.readOnly.drain()) {
      if (read.from === this.config.id) {
        this.readFailures.push({ context: read.context, reason: ReadFailureReason.LeaderChanged });
      } else {
        this.msgs.push({
          type: MessageType.ReadIndexResp, from: this.config.id, to: read.from, term: this.term,
          context: read.context, index: 0, reject: true,
        });
      }
    }
  }

  private failForwardedReads(): void {
    for (const context of this.forwardedReads.keys()) {
      this.readFailures.push({ context, reason: ReadFailureReason.LeaderChanged });
    }
    this.forwardedReads.clear();
  }

  private expireForwardedReads(): void {
    for (const [context, read] of this.forwardedReads) {
      if (read.deadlineTick <= this.ticks) {
        this.forwardedReads.delete(context);
        this.readFailures.push({ context, reason: ReadFailureReason.Timeout });
      }
    }
  }

  // ---------------------------------------------------------------- membership

  /**
   * Propose a single-server configuration change (conf-change.ts). Refused unless this leader
   * has committed an entry of its term (dissertation §4.1 fix) and no other change is
   * uncommitted; a learner is promoted only once it holds everything committed.
   */
  proposeConfChange(change: ConfChange): ConfChangeResult {
    const fail = (code: RaftErrorCode, reason: string): ConfChangeResult => ({ ok: false, code, leader: this.leader, reason });
    if (this.role !== Role.Leader || this.removalCommitted()) return fail(RaftErrorCode.NotLeader, 'not the leader');
    if (this.transferee !== null) return fail(RaftErrorCode.TransferInProgress, 'a leadership transfer is in progress');
    if (!this.committedInTerm()) return fail(RaftErrorCode.LeaderNotReady, 'the leader has not committed an entry of its term yet');
    if (this.confs.lastIndex() > this.log.committed) { // @mutant:conf-change-second-in-flight
      return fail(RaftErrorCode.ConfChangeInProgress, `configuration change at index ${this.confs.lastIndex()} is not committed yet`);
    }
    const problem = confChangeProblem(this.conf, change);
    if (problem !== null) return fail(RaftErrorCode.ConfChangeInvalid, problem);
    if (change.type === ConfChangeType.Promote) {
      const match = this.progress.get(change.node)?.match ?? 0;
      if (match < this.log.committed) { // @mutant:promote-not-caught-up
        return fail(RaftErrorCode.LearnerNotCaughtUp, `${change.node} holds entries up to ${match}, the commit index is ${this.log.committed}`);
      }
    }
    const data = encodeConfEntry({ change, conf: applyConfChange(this.conf, change) });
    const index = this.appendEntry(EntryKind.ConfChange, data);
    return { ok: true, index, term: this.term };
  }

  /**
   * A voter of the configuration in effect campaigns; so does a member whose removal is the
   * latest change and not committed yet: its vote may be the one its old configuration needs (a
   * leader of two removed itself, appended the removal alone and restarted: the other voter, its
   * log behind, can win only with that vote, which the log check refuses; sim seed 286). It can
   * win only with the votes of the new configuration's majority that lacks the removal
   * (removedByLatestChange), so never once the removal is committed.
   */
  private mayCampaign(): boolean {
    if (this.isVoter(this.config.id)) return true;
    const latest = this.confs.lastIndex();
    return latest > this.log.committed && this.confs.at(latest - 1).voters.includes(this.config.id);
  }

  /**
   * A vote request from outside this node's configuration is dropped, before its term can depose
   * anyone, when it could not get this vote anyway (its log is behind) or comes from a member
   * this log's latest change removed, once that change is committed here. A removed member may not know it was removed (the leader
   * sends non-members nothing) and, without PreVote, campaigns at ever higher terms: it deposed
   * candidates (a leadership transfer never completed; sim seed 337). A voter this node does not
   * know yet (a promotion it has not received) has the longer log: it is heard as before.
   */
  private ignoresCandidate(m: VoteMessage): boolean {
    if (this.isVoter(m.from)) return false;
    if (!this.log.isUpToDate(m.lastIndex, m.lastTerm)) return true;
    // A removal this node has not seen committed may be overwritten, or may need the removed
    // member's own campaign to commit (seed 286 above): its vote request is heard. Dropping it
    // deadlocked elections (sim seed 1317, transcript conf-removed-candidate-ahead).
    return this.removalCommittedHere(m.from);
  }

  /**
   * This log's latest change removed `id` and is committed here. Such a member can never again
   * be part of a majority (it is heard again once a later change adds it back), so a higher term
   * from it deposes no one (`step`). It reaches a higher term by campaigning, unheard, and then
   * answers an append the leader sent before the removal, delayed in the network, with that term
   * (handleLowerTerm): with CheckQuorum and without PreVote that answer deposed the leader that
   * removed it (sim seed 226; raft/core/removed-member-term.test.ts).
   */
  private removalCommittedHere(id: NodeId): boolean {
    return this.removedByLatestChange(id) && this.confs.lastIndex() <= this.log.committed;
  }

  /** The latest configuration change in this log removed voter `id` (it is a voter just before it, not after). */
  private removedByLatestChange(id: NodeId): boolean {
    const latest = this.confs.lastIndex();
    return latest > 0 && !this.isVoter(id) && this.confs.at(latest - 1).voters.includes(id);
  }

  /** How much of this leader's log `id` holds (the leader: all of it). */
  private matchOf(id: NodeId): number {
    return id === this.config.id ? this.log.durableLastIndex() : (this.progress.get(id)?.match ?? 0);
  }

  private isVoter(id: NodeId): boolean {
    return this.conf.voters.includes(id);
  }

  /** This node is the only voter: it confirms reads and commits alone. */
  private soleVoter(): boolean {
    return this.conf.voters.length === 1 && this.conf.voters[0] === this.config.id;
  }

  private voterPeers(): NodeId[] {
    return this.conf.voters.filter((id) => id !== this.config.id);
  }

  private memberPeers(): NodeId[] {
    return [...this.conf.voters, ...this.conf.learners].filter((id) => id !== this.config.id);
  }

  /** The log's latest configuration changed (appended, truncated, or a snapshot installed). */
  private refreshConf(): void {
    const next = this.confs.current();
    if (next === this.conf) return;
    const changed = !sameConf(next, this.conf);
    this.conf = next;
    if (!changed) return;
    this.readOnly.setVoters(next.voters);
    if (this.role !== Role.Leader) return;
    const members = new Set(this.memberPeers());
    for (const id of members) {
      if (!this.progress.has(id)) this.progress.set(id, new Progress(id, this.log.lastIndex() + 1, this.config.maxInflightMessages));
    }
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    if (this.transferee !== null && !this.isVoter(this.transferee)) this.transferee = null;
    this.replicationDirty = true;
    this.releaseReads(this.readOnly.recount());
    this.maybeStartReadRound(); // reads queued behind no round (a leader left the only voter confirms alone: seed 1543)
  }

  /**
   * A leader that removed itself leads until the removal is committed, then hands over to the
   * most caught-up voter (TimeoutNow) and steps down.
   */
  /**
   * This leader's own removal is committed: it steps down at the next Ready, and takes no proposal
   * meanwhile (the Ready may wait on slow I/O while acknowledgements commit the removal: it
   * accepted a second change, then led outside its configuration; sim seed 3538).
   */
  private removalCommitted(): boolean {
    return !this.isVoter(this.config.id) && this.log.committed >= this.confs.lastIndex();
  }

  private maybeStepDownRemoved(): void {
    if (this.role !== Role.Leader || !this.removalCommitted()) return;
    let best: Progress | null = null;
    for (const id of this.voterPeers()) {
      const pr = this.progress.get(id);
      if (pr !== undefined && (best === null || pr.match > best.match)) best = pr;
    }
    if (best !== null && best.match === this.log.lastIndex()) this.sendTimeoutNow(best.id);
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- output

  private send(m: DistributiveOmit<Message, 'from'>): void {
    this.msgs.push({ ...m, from: this.config.id } as Message);
  }

  private hardState(): HardState {
    return {
      term: this.term,
      vote: this.vote, // @mutant:vote-not-persisted
      commit: this.log.committed,
    };
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.leader };
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    if (this.msgs.length > 0 || this.readStates.length > 0 || this.readFailures.length > 0) return true;
    if (this.role === Role.Leader && this.replicationDirty) return true;
    if (this.log.hasUnstable() || this.log.hasNextCommitted()) return true;
    const hs = this.hardState();
    const prev = this.prevHardState;
    if (hs.term !== prev.term || hs.vote !== prev.vote || hs.commit !== prev.commit) return true;
    return this.role !== this.prevSoftState.role || this.leader !== this.prevSoftState.leader;
  }

  ready(): Ready {
    invariant(this.outstanding === null, 'ready() called again before advance()');
    this.flushReplication();
    this.maybeStepDownRemoved();
    const hs = this.hardState();
    const prev = this.prevHardState;
    const hardChanged = hs.term !== prev.term || hs.vote !== prev.vote || hs.commit !== prev.commit;
    const ss = this.softState();
    const softChanged = ss.role !== this.prevSoftState.role || ss.leader !== this.prevSoftState.leader;
    const snapshot = this.log.pendingSnapshot();
    const entries = this.log.unstableEntries();
    const ready: Ready = {
      softState: softChanged ? ss : null,
      hardState: hardChanged ? hs : null,
      snapshot,
      entries,
      committedEntries: this.log.nextCommitted(this.config.maxApplyEntriesPerReady),
      messages: this.msgs,
      readStates: this.readStates,
      readFailures: this.readFailures,
      mustSync: snapshot !== null || entries.length > 0 || hs.term !== prev.term || hs.vote !== prev.vote, // @mutant:must-sync-ignores-vote
      leaderMaySendFirst: ss.role === Role.Leader && snapshot === null && hs.term === prev.term && hs.vote === prev.vote,
    };
    this.msgs = [];
    this.readStates = [];
    this.readFailures = [];
    if (hardChanged) this.prevHardState = hs;
    if (softChanged) this.prevSoftState = ss;
    this.outstanding = ready;
    return ready;
  }

  advance(ready: Ready): void {
    invariant(this.outstanding === ready, 'advance() of a Ready that is not the outstanding one');
    this.outstanding = null;
    if (ready.snapshot !== null) this.log.snapshotPersisted(ready.snapshot);
    const last = ready.entries[ready.entries.length - 1];
    if (last !== undefined) {
      this.log.stableTo(last.index, last.term);
      this.maybeCommit(); // the leader's own entries are durable now: it counts toward the quorum
    }
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.appliedTo(lastApplied.index);
  }

  roleInfo(): RoleInfo {
    return { role: this.role, leader: this.leader, term: this.term };
  }

  status(): Status {
    return {
      id: this.config.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshotIndex(),
      voters: this.conf.voters,
      learners: this.conf.learners,
      addresses: this.conf.addresses,
      confIndex: this.confs.lastIndex(),
      progress: this.role === Role.Leader ? [...this.progress.values()].map((p) => p.view()) : [],
      transferee: this.transferee,
    };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
