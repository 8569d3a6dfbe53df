import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { EventEmitter } from 'node:events';
import type { RaftCoreApi } from '../core/api.js';
import { type RaftConfig, makeRaftConfig } from '../core/config.js';
import { RaftCore } from '../core/raft-core.js';
import { createRng, seedForNode } from '../../common/rng.js';
import type { Entry, Message, NodeId, Ready, RestoredState, RoleInfo, Snapshot, SnapshotMessage, Status } from '../core/types.js';
import { RaftErrorCode, Role } from '../core/types.js';
import { LevelLogStorage } from '../storage/level-log-storage.js';
import type { LogStorage } from '../storage/log-storage.js';
import type { TransportHooks } from '../transport/transport.js';
import type { ConfChange } from '../core/conf-change.js';
import { CommitDeferral } from './commit-deferral.js';
import { LeaseClock } from './lease-clock.js';
import { MemberSync, type MembersView } from './member-sync.js';
import { PendingProposals, type ProposalOutcome } from './pending-proposals.js';
import { PendingReads } from './pending-reads.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { type RaftLogger, createStderrLogger } from './raft-logger.js';
import type { StateMachine } from './state-machine.js';
import { type RaftNodeOptions, type ResolvedDriverOptions, resolveDriverOptions, validTimeoutMs } from './raft-node-options.js';
import { type RaftRuntime, type TimerHandle, processRuntime } from './raft-runtime.js';
import { SnapshotSpool, type SnapshotSpoolStore } from './snapshot-spool.js';

export type { ProposalOutcome } from './pending-proposals.js';
export type { MembersView } from './member-sync.js';

export interface LeaderChangeEvent {
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly term: number;
}

/** Driver-side counters added to the core's status. */
export interface RaftNodeStatus extends Status {
  readonly snapshotsTaken: number;
  readonly snapshotsRestored: number;
  readonly fsyncs: number;
  readonly entriesPersisted: number;
  readonly pendingProposals: number;
  readonly pendingReads: number;
  /** Lease reads: 'off' (config.leaseReads false), 'held' (leader reads need no round now) or 'none'. */
  readonly readLease: 'off' | 'held' | 'none';
}

export interface RaftNodeEvents {
  'leader-change': [LeaderChangeEvent];
  applied: [{ readonly index: number }];
  /** The configuration in effect changed (a change was appended, truncated or came with a snapshot). */
  'members-change': [MembersView];
}

/**
 * Drives a RaftCore: ticks, feeds peer messages, and processes one Ready at a time in the
 * strict order persist (one synced batch) -> send -> restore snapshot -> apply -> answer
 * proposals and reads -> advance. (Committed entries persisted by earlier Readys are applied
 * while the Ready's write runs.) (A Ready with mustSync false sends before its unsynced write:
 * nothing in it needs to be durable before its messages leave; so does a leader's Ready, whose
 * own entries count toward a commit only after advance().) Proposals arriving while a Ready is in flight wait in the
 * core and share the next Ready's fsync (group commit).
 */
export class RaftNode<Result = unknown> extends EventEmitter<RaftNodeEvents> {
  private readonly proposals: PendingProposals<Result>;
  private readonly reads: PendingReads;
  private readonly commitDeferral = new CommitDeferral();
  private readonly logger: RaftLogger;
  private ticker: TimerHandle | null = null;
  private readonly runtime: RaftRuntime;
  private loopRunning: Promise<void> | null = null;
  private wakeScheduled = false;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private applied: number;
  private snapshotIndex: number;
  /**
   * The state machine's kept view (its latest checkpoint) may not match the core's snapshot
   * (after a restart, or a send found none): the next loop turn checkpoints again.
   */
  private snapshotViewStale: boolean;
  private lastTerm = -1;
  private lastCommit = -1;
  /** Leader as of the last Ready that said (softState). */
  private leader: NodeId | null = null;
  private readonly counters = { snapshotsTaken: 0, snapshotsRestored: 0, fsyncs: 0, entriesPersisted: 0 };
  /** Lease reads (config.leaseReads): tick times on the monotonic clock; null when off. */
  private readonly leaseClock: LeaseClock | null;
  private readonly memberSync: MemberSync;

  private constructor(
    private readonly options: RaftNodeOptions<Result>,
    private readonly resolved: ResolvedDriverOptions,
    private readonly config: RaftConfig,
    private readonly core: RaftCoreApi,
    private readonly storage: LogStorage,
    applied: number,
    snapshotIndex: number,
    private readonly spool: SnapshotSpoolStore,
  ) {
    super();
    this.snapshotViewStale = snapshotIndex > 0;
    this.logger = options.logger ?? createStderrLogger(`raft-${options.id}`);
    this.runtime = options.runtime ?? processRuntime;
    this.proposals = new PendingProposals<Result>(resolved.maxPendingProposals, this.runtime);
    this.reads = new PendingReads(options.id, resolved.maxPendingReads, this.runtime);
    this.applied = applied;
    this.snapshotIndex = snapshotIndex;
    this.memberSync = new MemberSync(options.id, options.transport);
    this.leaseClock = config.leaseReads
      ? new LeaseClock(config.electionTimeoutTicks, resolved.tickMs, resolved.leaseDriftFraction, this.runtime.now())
      : null;
  }

  /** Tell the core whether its read lease still holds, by the monotonic clock, before any input. */
  private refreshLease(): void {
    if (this.leaseClock !== null) this.core.setReadLease(this.leaseClock.holds(this.core.readLeaseTick(), this.runtime.now()));
  }

  /** Validate options, open (or take) and load the log, bring the state machine up to date, start ticking. */
  static async start<R>(options: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    const resolved = resolveDriverOptions(options);
    const config = makeRaftConfig(options.id, options.voters, { ...options.raft, learners: options.learners ?? [] });
    const logger = options.logger ?? createStderrLogger(`raft-${options.id}`);
    const seed = options.seed ?? randomInt(0, 2 ** 31);
    let node: RaftNode<R> | null = null;
    const storage =
      options.storage ??
      (await LevelLogStorage.open(options.dataDir ?? '', {
        onFsync: (sample) => node?.recordFsync(sample.durationMs, sample.entries),
      }));
    try {
      const loaded = await storage.load();
      const spool = options.snapshotSpool ?? new SnapshotSpool(options.snapshotSpoolDir ?? `${resolve(options.dataDir ?? '')}.snapshots`);
      const applied = await recoverStateMachine(options, loaded, spool);
      const restored = withCommitAtLeast(loaded, applied);
      const core = new RaftCore(config, createRng(seedForNode(seed, options.id)), restored);
      node = new RaftNode(options, resolved, config, core, storage, applied, restored.snapshot?.meta.index ?? 0, spool);
      logger.info(
        { id: options.id, seed, term: restored.hardState.term, commit: restored.hardState.commit, applied, entries: restored.entries.length },
        'raft node starting',
      );
      node.memberSync.sync(core.status());
      await options.transport.start(node.transportHooks());
    } catch (error) {
      await storage.close();
      throw error;
    }
    node.startTicker();
    node.wake();
    return node;
  }

  /** Replicate `data`; resolves once it is applied here, with the state machine's result. */
  propose(data: Uint8Array, timeoutMs?: number): Promise<ProposalOutcome<Result>> {
    const waitMs = validTimeoutMs(timeoutMs, this.resolved.defaultTimeoutMs);
    if (this.stopping) return Promise.reject(this.stoppedError());
    if (this.proposals.isFull()) {
      return Promise.reject(
        new RaftError(RaftDriverErrorCode.ProposalQueueFull, `${this.proposals.size} proposals already pending on ${this.options.id}`),
      );
    }
    const outcome = this.core.propose(data);
    if (!outcome.ok) return Promise.reject(proposeError(outcome.code, outcome.leader));
    const promise = this.proposals.add(outcome.index, outcome.term, waitMs);
    this.options.metrics?.onProposalsPending?.(this.proposals.size);
    this.wake();
    return promise;
  }

  /**
   * Propose one membership change (leader only; raft/core/conf-change.ts). Resolves with the
   * change's log index once it is committed and applied here.
   */
  async proposeConfChange(change: ConfChange, timeoutMs?: number): Promise<{ index: number }> {
    const waitMs = validTimeoutMs(timeoutMs, this.resolved.defaultTimeoutMs);
    if (this.stopping) throw this.stoppedError();
    if (this.proposals.isFull()) {
      throw new RaftError(RaftDriverErrorCode.ProposalQueueFull, `${this.proposals.size} proposals already pending on ${this.options.id}`);
    }
    const outcome = this.core.proposeConfChange(change);
    if (!outcome.ok) {
      throw new RaftError(outcome.code as RaftDriverErrorCode, `${outcome.code}: ${outcome.reason}`, { leader: outcome.leader });
    }
    const promise = this.proposals.add(outcome.index, outcome.term, waitMs);
    this.wake();
    await promise;
    return { index: outcome.index };
  }

  /** The configuration in effect on this node. */
  members(): MembersView {
    const st = this.core.status();
    return { voters: st.voters, learners: st.learners, addresses: st.addresses, confIndex: st.confIndex };
  }

  /** Linearizable read barrier: resolves with the read index once this node has applied it. */
  readIndex(timeoutMs?: number): Promise<number> {
    const waitMs = validTimeoutMs(timeoutMs, this.resolved.defaultTimeoutMs);
    if (this.stopping) return Promise.reject(this.stoppedError());
    if (this.reads.isFull()) {
      return Promise.reject(new RaftError(RaftDriverErrorCode.ReadQueueFull, `${this.reads.size} reads already pending on ${this.options.id}`));
    }
    // A follower's reads of one turn share one ReadIndex request to the leader (pending-reads.ts).
    const info = this.core.roleInfo();
    const joinKey = info.role === Role.Follower && info.leader !== null ? `${info.term}/${info.leader}` : null;
    const { context, released, promise } = this.reads.add(waitMs, joinKey);
    if (context === null && released === null) return promise;
    this.refreshLease();
    if (released !== null) this.core.readIndex(released);
    if (context !== null) this.core.readIndex(context);
    this.wake();
    return promise;
  }

  transferLeadership(to: NodeId): void {
    const outcome = this.core.transferLeadership(to);
    if (!outcome.ok) throw proposeError(outcome.code, outcome.leader);
    this.wake();
  }

  campaign(): void {
    this.core.campaign();
    this.wake();
  }

  /** Role, leader and term: cheap enough for every request (status() builds progress views). */
  roleInfo(): RoleInfo {
    return this.core.roleInfo();
  }

  status(): RaftNodeStatus {
    return {
      ...this.core.status(),
      applied: this.applied,
      ...this.counters,
      pendingProposals: this.proposals.size,
      pendingReads: this.reads.size,
      readLease: this.leaseClock === null ? 'off' : this.leaseClock.holds(this.core.readLeaseTick(), this.runtime.now()) ? 'held' : 'none',
    };
  }

  /** Stop ticking and networking, let the in-flight Ready finish, then close the log. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    this.ticker?.cancel();
    await this.options.transport.close();
    await this.loopRunning;
    this.proposals.rejectAll(RaftDriverErrorCode.Stopped, `raft node ${this.options.id} stopped`);
    this.reads.rejectAll(RaftDriverErrorCode.Stopped, `raft node ${this.options.id} stopped`);
    try {
      const remaining = this.commitDeferral.takeRemaining();
      if (remaining !== null) await this.storage.persistReady(remaining);
    } finally {
      await this.storage.close();
    }
    this.logger.info({ id: this.options.id }, 'raft node stopped');
  }

  private transportHooks(): TransportHooks {
    return {
      onMessage: (message: Message) => {
        if (this.stopping) return;
        this.refreshLease();
        this.core.step(message);
        this.wake();
      },
      onUnreachable: (peer) => {
        if (!this.stopping) this.core.reportUnreachable(peer);
      },
      onSnapshotStatus: (peer, ok) => {
        if (this.stopping) return;
        this.core.reportSnapshot(peer, ok);
        this.wake();
      },
      openSnapshot: (message, chunkBytesMax) => this.openSnapshot(message, chunkBytesMax),
      receiveSnapshot: (message, chunks) => this.receiveSnapshot(message, chunks),
    };
  }

  /** Sender side of InstallSnapshot: the state machine's view at the core's snapshot index. */
  private openSnapshot(message: SnapshotMessage, chunkBytesMax: number): AsyncIterable<Uint8Array> | null {
    if (this.stopping) return null;
    const chunks = this.options.stateMachine.snapshotChunks(message.snapshot.meta.index, chunkBytesMax);
    if (chunks === null) {
      this.snapshotViewStale = true;
      this.wake();
    }
    return chunks;
  }

  /**
   * Receiver side: spool the data to disk (synced), then give the core the message. Spooled
   * snapshots the state machine already holds (at or below applied) are dropped first, never one
   * above it: the core may have accepted it while its Ready is still on the way to restore
   * (dropping those below the commit index instead lost one mid-restore: sim seed 271).
   */
  private async receiveSnapshot(message: SnapshotMessage, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.stopping) throw this.stoppedError();
    await this.spool.write(message.snapshot.meta, chunks, this.applied + 1, this.snapshotIndex);
    if (this.stopping) throw this.stoppedError();
    this.refreshLease();
    this.core.step(message);
    this.wake();
  }

  private startTicker(): void {
    this.ticker = this.runtime.every(this.resolved.tickMs, () => {
      this.leaseClock?.beforeTick(this.runtime.now());
      this.core.tick();
      this.sendParkedRead(); // its request ahead may be too old now (READ_PARK_MS_MAX)
      this.wake();
    });
  }

  /** Schedule the loop on the next turn so everything queued in this turn shares one Ready. */
  private wake(): void {
    if (this.wakeScheduled || this.loopRunning !== null || this.stopping) return;
    this.wakeScheduled = true;
    this.runtime.soon(() => {
      this.wakeScheduled = false;
      if (this.loopRunning !== null || this.stopping || !this.core.hasReady()) return;
      this.loopRunning = this.runLoop().finally(() => {
        this.loopRunning = null;
        this.wake();
      });
    });
  }

  private async runLoop(): Promise<void> {
    try {
      while (!this.stopping && this.core.hasReady()) {
        const ready = this.core.ready();
        this.reads.closeBatch();
        await this.handleReady(ready);
        this.core.advance(ready);
        await this.maybeTakeSnapshot();
      }
    } catch (error) {
      this.fatal(error);
    }
  }

  private async handleReady(ready: Ready): Promise<void> {
    // A Ready that needs no fsync (mustSync false: at most the commit index moved, which is
    // recomputed after a crash) holds no message that depends on its write, so its messages
    // (commit updates, heartbeat answers, read confirmations) leave before the write instead of
    // waiting for a LevelDB round trip. So do a leader's (no term, vote or snapshot change): its
    // appends travel while it writes them, and the core counts the leader toward a commit only
    // once advance() below says they are durable (Raft thesis 10.2.1). Otherwise: persist
    // (synced), then send.
    // Membership first: messages of this Ready may go to a member its entries just added.
    const members = this.memberSync.sync(this.core.status());
    if (members !== null) {
      this.logger.info({ id: this.options.id, voters: members.voters, learners: members.learners }, 'raft configuration changed');
      this.emit('members-change', members);
    }
    const sendFirst = !ready.mustSync || ready.leaderMaySendFirst; // @mutant:send-before-synced-vote
    if (sendFirst) this.send(ready.messages);
    // Committed entries that earlier Readys already persisted are applied (and their proposals
    // answered) while this Ready's write runs: a trade's answer does not wait for the fsync of
    // the batch proposed after it. Entries of this Ready itself, or behind a snapshot, wait.
    const early = appliesOnlyStoredEntries(ready) ? this.applyCommitted(ready.committedEntries) : null;
    early?.catch(() => undefined); // awaited below; a persist failure first must not leave it unhandled
    const write = this.commitDeferral.take(ready);
    if (write !== null) await this.storage.persistReady(write); // @mutant:apply-before-persist
    if (!sendFirst) this.send(ready.messages);
    this.noteStateChanges(ready);
    if (ready.snapshot !== null) await this.restoreSnapshot(ready.snapshot);
    await (early ?? this.applyCommitted(ready.committedEntries));
    if (ready.softState !== null) this.leader = ready.softState.leader;
    const leader = this.leader;
    this.reads.failed(ready.readFailures, leader);
    this.reads.granted(ready.readStates, this.applied);
    // A read granted but not applied yet waits for the leader's log; with no leader known (this
    // node lost it, or was removed and hears from no one) it may wait forever: fail it.
    if (leader === null) this.reads.failGranted(RaftDriverErrorCode.NoLeader, 'read failed: leader lost before the read index was applied');
    this.sendParkedRead();
  }

  /** Hand the parked batch of reads to the core once the request ahead of it is answered or gone. */
  private sendParkedRead(): void {
    const context = this.reads.releaseParked();
    if (context === null) return;
    // This node may lead by now (the batch parked while it followed): the core must judge a
    // lease read by the lease as it stands, as for any read handed to it.
    this.refreshLease();
    this.core.readIndex(context);
    this.wake();
  }

  private send(messages: readonly Message[]): void {
    if (messages.length > 0) this.options.transport.send(messages);
  }

  private noteStateChanges(ready: Ready): void {
    const metrics = this.options.metrics;
    if (ready.hardState !== null) {
      if (ready.hardState.term !== this.lastTerm) metrics?.onTerm?.(ready.hardState.term);
      if (ready.hardState.commit !== this.lastCommit) metrics?.onCommit?.(ready.hardState.commit);
      this.lastTerm = ready.hardState.term;
      this.lastCommit = ready.hardState.commit;
    }
    if (ready.softState !== null) {
      const term = ready.hardState?.term ?? this.core.roleInfo().term;
      const event: LeaderChangeEvent = { role: ready.softState.role, leader: ready.softState.leader, term };
      this.logger.info({ id: this.options.id, ...event }, 'raft role or leader changed');
      metrics?.onLeaderChange?.(event.leader, event.role, event.term);
      this.emit('leader-change', event);
    }
  }

  private async restoreSnapshot(snapshot: Snapshot): Promise<void> {
    if (snapshot.meta.index <= this.applied) {
      throw new Error(`snapshot at ${snapshot.meta.index} is not ahead of applied ${this.applied}`);
    }
    await restoreFrom(this.options.stateMachine, snapshot, this.spool);
    this.snapshotViewStale = false;
    this.proposals.coveredBySnapshot(snapshot.meta.index);
    this.applied = snapshot.meta.index;
    this.snapshotIndex = snapshot.meta.index;
    this.counters.snapshotsRestored += 1;
    this.logger.info({ id: this.options.id, index: snapshot.meta.index, term: snapshot.meta.term }, 'restored snapshot from leader');
    this.options.metrics?.onSnapshot?.('restored', snapshot.meta.index);
  }

  private async applyCommitted(committed: readonly Entry[]): Promise<void> {
    const entries = committed.filter((entry) => entry.index > this.applied);
    const first = entries[0];
    if (first === undefined) return;
    if (first.index !== this.applied + 1) {
      throw new Error(`committed entries start at ${first.index}, expected ${this.applied + 1}`);
    }
    // Proposals are answered when the machine has computed their results: before its own
    // write if it reports them early (state-machine.ts), else when apply resolves.
    let answered = false;
    const answer = (results: readonly Result[]): void => {
      if (answered) throw new Error('state machine reported the results of one batch twice');
      if (results.length !== entries.length) {
        throw new Error(`state machine returned ${results.length} results for ${entries.length} entries`);
      }
      answered = true;
      this.proposals.applied(entries, results);
    };
    const results = await this.options.stateMachine.apply(entries, answer);
    if (!answered) answer(results);
    this.applied = (entries.at(-1) as Entry).index;
    this.reads.appliedUpTo(this.applied);
    this.options.metrics?.onApplied?.(this.applied);
    this.options.metrics?.onProposalsPending?.(this.proposals.size);
    this.emit('applied', { index: this.applied });
  }

  /**
   * Log compaction once the log since the last snapshot is long enough: the state machine makes
   * its state durable and keeps a view at that index (checkpoint, O(changes)); the core's
   * snapshot carries only the meta. Also re-checkpoints when the kept view is stale.
   */
  private async maybeTakeSnapshot(): Promise<void> {
    const due = this.applied - this.snapshotIndex > this.config.snapshotThresholdEntries;
    if (!due && !this.snapshotViewStale) return;
    // After a restart with a durable state machine, the core hands out (and we skip) entries the
    // machine already holds; compact only once the core has caught up with what we applied.
    if (this.core.status().applied < this.applied) return; // @mutant:compact-before-core-caught-up
    const { index, data } = await this.options.stateMachine.checkpoint();
    this.snapshotViewStale = false;
    if (index === this.snapshotIndex) return; // the view now matches the core's snapshot
    if (index < this.snapshotIndex || index > this.applied) {
      throw new Error(`state machine checkpoint at ${index} outside (${this.snapshotIndex}, ${this.applied}]`);
    }
    // A snapshot from the leader may have reached the core while this loop awaited I/O (the next
    // Ready installs it): never compact behind it.
    if (index <= this.core.status().snapshotIndex) return; // @mutant:compact-behind-received-snapshot
    const { snapshot, firstIndex } = this.core.compact(index, data ?? EMPTY_DATA);
    await this.storage.saveSnapshot(snapshot, firstIndex);
    await this.spool.removeUpTo(index);
    this.snapshotIndex = snapshot.meta.index;
    this.counters.snapshotsTaken += 1;
    this.options.metrics?.onSnapshot?.('taken', snapshot.meta.index);
  }

  private recordFsync(durationMs: number, entries: number): void {
    this.counters.fsyncs += 1;
    this.counters.entriesPersisted += entries;
    this.options.metrics?.onFsync?.(durationMs, entries);
  }

  private fatal(error: unknown): void {
    this.stopping = true;
    this.ticker?.cancel();
    this.logger.error({ id: this.options.id, err: String((error as Error)?.stack ?? error) }, 'raft loop failed: stopping this node');
    if (this.options.onFatal !== undefined) {
      this.options.onFatal(error);
      return;
    }
    process.exit(70);
  }

  private stoppedError(): RaftError {
    return new RaftError(RaftDriverErrorCode.Stopped, `raft node ${this.options.id} is stopped`);
  }
}

/**
 * Bring the state machine to the stored snapshot when it holds less; returns the applied index.
 * A state machine may be ahead of the stored commit index (a commit-only hard state is written
 * only with the next write, so a crash can lose the newest one) but never beyond the stored log: it
 * only ever applied committed entries, and those were synced to the log before being applied.
 */
async function recoverStateMachine<R>(options: RaftNodeOptions<R>, restored: RestoredState, spool: SnapshotSpoolStore): Promise<number> {
  const machineApplied = await options.stateMachine.appliedIndex();
  await spool.open(machineApplied);
  const snapshot = restored.snapshot;
  const lastStored = Math.max(restored.entries[restored.entries.length - 1]?.index ?? 0, snapshot?.meta.index ?? 0);
  if (machineApplied > lastStored) {
    throw new RaftError(
      RaftDriverErrorCode.StorageCorrupt,
      `state machine applied ${machineApplied} beyond the log's last stored entry ${lastStored}: data directories do not match`,
    );
  }
  if (snapshot !== null && machineApplied < snapshot.meta.index) { // @mutant:restart-skips-snapshot-restore
    await restoreFrom(options.stateMachine, snapshot, spool);
    return snapshot.meta.index;
  }
  return machineApplied;
}

/**
 * True when every committed entry of the Ready was persisted by an earlier Ready (it comes
 * before the Ready's own entries, and there is no snapshot to restore first): applying it
 * may overlap this Ready's write. Committed entries are never overwritten, and earlier Readys'
 * writes completed before this Ready was taken.
 */
function appliesOnlyStoredEntries(ready: Ready): boolean {
  const lastCommitted = ready.committedEntries.at(-1);
  if (lastCommitted === undefined || ready.snapshot !== null) return false;
  const firstNew = ready.entries[0];
  return firstNew === undefined || lastCommitted.index < firstNew.index; // @mutant:early-apply-unstored
}

/** Core snapshots of a durable state machine carry no data (its storage is the snapshot). */
const EMPTY_DATA = new Uint8Array(0);

/**
 * Restore the state machine from a received snapshot: its data is in the message when the
 * sender put it there, else in the spool (written before the core accepted the message). Older
 * spooled snapshots are removed then; this one stays until a local compaction passes it (an
 * in-memory state machine needs it again after a restart).
 */
async function restoreFrom<R>(machine: StateMachine<R>, snapshot: Snapshot, spool: SnapshotSpoolStore): Promise<void> {
  const { meta, data } = snapshot;
  const chunks = data.byteLength > 0 ? oneChunk(data) : await spool.read(meta);
  if (chunks === null) {
    throw new RaftError(
      RaftDriverErrorCode.StorageCorrupt,
      `snapshot at ${meta.index} (term ${meta.term}) is newer than the state machine and its spooled data is missing from ${spool.dir}`,
    );
  }
  await machine.restore(meta, chunks);
  await spool.removeUpTo(meta.index - 1);
}

async function* oneChunk(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

/** Entries the state machine applied were committed: the restored commit is at least that. */
function withCommitAtLeast(restored: RestoredState, applied: number): RestoredState {
  if (applied <= restored.hardState.commit) return restored;
  return { ...restored, hardState: { ...restored.hardState, commit: applied } };
}

function proposeError(code: RaftErrorCode, leader: NodeId | null): RaftError {
  const driverCode = code as RaftDriverErrorCode;
  const hint = code === RaftErrorCode.NotLeader ? ` (leader: ${leader ?? 'unknown'})` : '';
  return new RaftError(driverCode, `${code}${hint}`, { leader });
}
