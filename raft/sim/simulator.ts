import { makeRaftConfig } from '../core/config.js';
import { createRng, type Rng } from '../../common/rng.js';
import type { Entry, Message, SnapshotMessage } from '../core/types.js';
import { defaultFaultProfile, drawSwarmFactor, quietFaultProfile, swarmFaultProfile, validateFaultProfile, type FaultProfile } from './fault-profile.js';
import { InvariantChecker, InvariantViolation } from './invariants.js';
import { SimClient } from './sim-client.js';
import { clusterSizeMax, drawHarness, drawRaftConfig, type HarnessDraw, type RaftOverrides } from './sim-config.js';
import { SimContractError } from './sim-errors.js';
import { runLivenessPhase } from './sim-liveness.js';
import { describeMembership, drawMembership, type MembershipDraw } from './sim-membership.js';
import { nemesisTick } from './sim-nemesis.js';
import { SimNetwork, type InFlight } from './sim-network.js';
import { type Incarnation, SimNode } from './sim-node.js';
import { type HookTable, killProcess, losePower, startProcess } from './sim-process.js';
import { SimScheduler, simTickMs } from './sim-runtime.js';
import { entrySignature } from './sim-state-machine.js';
import { SimTrace } from './sim-trace.js';
import { checkOnSend, emptyStats, type SimStats } from './sim-stats.js';

/** Chunk size of snapshots streamed between simulated nodes (small: several chunks per snapshot). */
const SIM_SNAPSHOT_CHUNK_BYTES = 512;

type HookEntry = HookTable extends Map<string, infer V> ? V : never;

export type { SimStats } from './sim-stats.js';

export interface SimOptions {
  readonly seed: number;
  /** 1 to 7 voters. */
  readonly nodeCount: number;
  /** Fault-phase steps (a step delivers one message or advances time by one tick). */
  readonly steps: number;
  readonly faults: FaultProfile;
  /** Swarm testing: scale each fault knob by a factor the seed draws. */
  readonly swarm: boolean;
  /** Events kept for the failure report. */
  readonly traceEvents: number;
  /** Liveness phase: a leader must exist within this many ticks of healing. */
  readonly leaderWithinTicks: number;
  /** Liveness phase: every node must converge within this many ticks of healing. */
  readonly convergeWithinTicks: number;
  /** Echo every event as it happens. */
  readonly verbose: boolean;
  /** Crash only at these driver points (see `crashPoints`); null: at all of them. */
  readonly crashPoints?: readonly CrashPoint[] | null;
}

/** Every place the harness may crash a process: each await of the Ready loop, and mid-send. */
export const crashPoints = [
  'persist:before',
  'persist:after',
  'send:mid',
  'send:vote-granted',
  'apply:before',
  'apply:mid',
  'apply:after',
  'snapshot:restore',
  'snapshot:take',
  'compact:before',
  'compact:after',
  'spool:write',
] as const;
export type CrashPoint = (typeof crashPoints)[number];

/** Idle checks between comparisons of a node's core status with its stored state. */
const statusCheckEvery = 16;

export const simDefaults = {
  nodeCount: 3,
  steps: 3000,
  faults: defaultFaultProfile,
  swarm: true,
  traceEvents: 200,
  leaderWithinTicks: 200,
  convergeWithinTicks: 600,
  verbose: false,
} as const;

export type SimResult =
  | { readonly ok: true; readonly seed: number; readonly stats: SimStats; readonly crashesAt: ReadonlyMap<string, number> }
  | {
      readonly ok: false;
      readonly seed: number;
      /** Invariant name, `contract`, or `threw`. */
      readonly invariant: string;
      readonly message: string;
      /** The Raft configuration the seed drew. */
      readonly config: string;
      readonly trace: readonly string[];
      readonly stats: SimStats;
    };

export function validateSimOptions(options: SimOptions): void {
  if (!Number.isInteger(options.nodeCount) || options.nodeCount < 1 || options.nodeCount > clusterSizeMax) {
    throw new Error(`nodeCount must be an integer in 1..${clusterSizeMax}, got ${options.nodeCount}`);
  }
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be an integer, got ${options.seed}`);
  for (const key of ['steps', 'traceEvents', 'leaderWithinTicks', 'convergeWithinTicks'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`${key} must be an integer >= 1, got ${options[key]}`);
  }
  validateFaultProfile(options.faults);
}

/**
 * One seeded run of real RaftNodes (driver, core, MemoryLogStorage) on virtual time: fault
 * phase with invariants after every step, then the healed liveness phase.
 */
export class Simulation {
  readonly rng: Rng;
  readonly nodes: SimNode[];
  readonly network: SimNetwork;
  readonly scheduler = new SimScheduler();
  readonly checker: InvariantChecker;
  readonly trace: SimTrace;
  readonly client: SimClient;
  readonly hooks: HookTable = new Map();
  readonly stats: SimStats = emptyStats();
  readonly raftOverrides: RaftOverrides;
  readonly harness: HarnessDraw;
  /** The voters every original member boots with. */
  readonly bootstrapVoters: readonly string[];
  /** This seed's membership changes (null: none; a share of seeds draws them). */
  readonly membership: MembershipDraw | null;
  faults: FaultProfile;
  nowTick = 0;
  stepNo = 0;
  readonly configSummary: string;
  /** Targets of the new-leader strike: node id -> tick at which it is hit. */
  readonly leaderStrikes = new Map<string, { tick: number; incarnation: number }>();
  private readonly sharedSeed: number;
  private fatal: Error | null = null;
  private readonly crashesAtPoint = new Map<string, number>();
  private readonly checkedStoreVersion: number[];
  private readonly nodeById: Map<string, SimNode>;
  private readonly leaderTermsSeen = new Set<number>();
  /**
   * Per node: the term it was last seen leading and its commit index when last checked then. Only
   * commits it decided itself are checked (it may have learned earlier ones under another configuration).
   */
  private readonly leaderCommitChecked = new Map<string, { term: number; commit: number }>();

  constructor(readonly options: SimOptions) {
    validateSimOptions(options);
    this.rng = createRng(options.seed);
    this.faults = options.swarm ? swarmFaultProfile(options.faults, () => drawSwarmFactor((items) => this.rng.pick(items))) : options.faults;
    this.trace = new SimTrace(options.traceEvents, options.verbose ? (line) => console.log(line) : null);
    this.network = new SimNetwork(this.rng.fork());
    this.client = new SimClient(this);
    const ids = Array.from({ length: options.nodeCount }, (_, i) => `n${i + 1}`);
    this.raftOverrides = drawRaftConfig(this.rng);
    this.harness = drawHarness(this.rng);
    this.sharedSeed = this.rng.int(0, 2 ** 31);
    this.bootstrapVoters = ids;
    this.checker = new InvariantChecker(ids);
    this.membership = drawMembership(options.seed);
    this.configSummary =
      `${JSON.stringify(this.raftOverrides)} harness ${JSON.stringify(this.harness)} faults ${JSON.stringify(this.faults)} ` +
      `membership ${describeMembership(this.membership)}`;
    this.nodes = ids.map((id) => new SimNode(id, makeRaftConfig(id, ids, this.raftOverrides)));
    this.checkedStoreVersion = ids.map(() => -1);
    this.nodeById = new Map(this.nodes.map((node) => [node.id, node]));
    if (options.verbose) console.log(`seed ${options.seed}: ${options.nodeCount} nodes, config ${this.configSummary}`);
  }

  async run(): Promise<SimResult> {
    try {
      for (const node of this.nodes) await this.restartNode(node);
      await this.settle();
      for (this.stepNo = 1; this.stepNo <= this.options.steps; this.stepNo++) {
        await this.step();
        await this.settle();
      }
      this.stats.steps = this.options.steps;
      this.faults = quietFaultProfile;
      await runLivenessPhase(this);
      return { ok: true, seed: this.options.seed, stats: this.stats, crashesAt: this.crashesAtPoint };
    } catch (error) {
      return this.failure(error);
    }
  }

  /** Let every node finish what the last event started, then check every invariant. */
  async settle(): Promise<void> {
    await this.scheduler.settle();
    if (this.fatal !== null) throw this.fatal;
    this.checkAll();
  }

  activeNodes(): SimNode[] {
    return this.nodes.filter((node) => node.isActive(this.nowTick));
  }

  /** A fresh member (empty disks) whose process starts at `startAtTick`; it boots as a learner of `voters`. */
  addNode(id: string, voters: readonly string[], startAtTick: number): SimNode {
    if (this.nodeById.has(id)) throw new SimContractError(`node ${id} exists already`);
    const node = new SimNode(id, makeRaftConfig(id, voters, { ...this.raftOverrides, learners: [id] }));
    node.restartAtTick = startAtTick;
    this.nodes.push(node);
    this.nodeById.set(id, node);
    this.checkedStoreVersion.push(-1);
    this.record(id, `fresh member (learner of ${voters.join(' ')}), starts at t${startAtTick}`, null);
    return node;
  }

  /** Every node's durable log (what survives a power loss). */
  durableViews(): SimNode['durableView'][] {
    return this.nodes.map((node) => node.durableView);
  }

  node(id: string): SimNode {
    const node = this.nodeById.get(id);
    if (node === undefined) throw new SimContractError(`message addressed to unknown node ${id}`);
    return node;
  }

  record(node: string, what: string, message: Message | null): void {
    this.trace.record({ step: this.stepNo, tick: this.nowTick, node, what, message });
  }

  onNewLeader(node: SimNode): void {
    if (!this.rng.chance(this.faults.newLeaderStrikeProbability)) return;
    const tick = this.nowTick + this.rng.int(0, this.faults.newLeaderStrikeMaxTicks + 1);
    this.leaderStrikes.set(node.id, { tick, incarnation: node.incarnation.number });
  }

  /** A check that failed inside a node's callback: reported at the next settle. */
  fail(error: Error): void {
    this.fatal ??= error;
  }

  onFatal(node: SimNode, incarnation: Incarnation, error: unknown): void {
    if (!incarnation.alive) return;
    if (error instanceof InvariantViolation) return this.fail(error);
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.fail(new SimContractError(`${node.id}'s Ready loop failed: ${detail}`));
  }

  /** A message leaves a live process: history checks, then the network. */
  onSend(node: SimNode, message: Message): void {
    checkOnSend(this, node, message);
    const copies = this.network.send(message, node.incarnation.number, this.nowTick, this.faults);
    this.record(node.id, copies === 0 ? 'send (dropped)' : copies === 2 ? 'send x2' : 'send', message);
  }

  /** A node's log write reached its disk. */
  onStored(node: SimNode, what: string, entries: readonly Entry[]): void {
    node.storeVersion++;
    if (what.startsWith('compacted')) this.stats.compactions++;
    this.record(node.id, what, null);
    for (const entry of entries) {
      const prevTerm = node.view.termAt(entry.index - 1);
      if (prevTerm !== undefined) this.checker.observeStoredEntry(node.id, entry.index, entry.term, prevTerm, entrySignature(entry));
    }
  }

  /** Whether the harness crashes processes at driver point `point` in this run. */
  crashesAt(point: CrashPoint): boolean {
    const only = this.options.crashPoints;
    return only === undefined || only === null || only.includes(point);
  }

  crashNode(node: SimNode, why: string, powerLoss = this.rng.chance(this.faults.powerLossProbability), point = 'tick'): void {
    this.crashesAtPoint.set(point, (this.crashesAtPoint.get(point) ?? 0) + 1);
    killProcess(this, node);
    this.client.forget(node);
    node.restartAtTick = this.nowTick + this.rng.int(1, this.faults.restartDelayMaxTicks + 2);
    this.stats.crashes++;
    this.record(node.id, `${why} (restart at t${node.restartAtTick})`, null);
    if (powerLoss) {
      this.record(node.id, losePower(this, node), null);
      this.checker.checkDurable(this.durableViews());
    }
  }

  async restartNode(node: SimNode): Promise<void> {
    const seed = this.harness.sameSeedEverywhere ? this.sharedSeed : this.rng.int(0, 2 ** 31);
    await startProcess(this, node, seed);
    const status = node.raft?.status();
    this.checker.observeRestart(node.id, node.logDisk.read().hardState.commit);
    node.appliedList().forEach((signature, i) => this.checker.observeApplied(node.id, i + 1, signature));
    const hs = node.logDisk.read().hardState;
    this.record(
      node.id,
      `start #${node.incarnation.number}: term ${hs.term} vote ${hs.vote ?? '-'} commit ${status?.commit} log ${node.view.lowestKnownIndex()}..${node.view.lastIndex()} applied ${node.appliedList().length}`,
      null,
    );
  }

  /** Up and not paused: the node takes messages now. */
  readonly canReceive = (id: string): boolean => this.node(id).isActive(this.nowTick);

  /** One event: deliver one due message, or advance time by one tick. */
  async step(): Promise<void> {
    const item = this.rng.chance(0.85) ? this.network.takeDue(this.nowTick, this.canReceive) : null;
    if (item !== null) this.deliver(item);
    else await this.advanceTick(true);
  }

  deliver(item: InFlight): void {
    const message = item.message;
    const to = this.hooks.get(message.to);
    const from = this.hooks.get(message.from);
    const sameSender = from !== undefined && from.incarnation.number === item.fromIncarnation && this.node(message.from).isActive(this.nowTick);
    const cut = this.network.isCut(message.from, message.to);
    if (sameSender) this.node(message.from).dirty = true;
    if (cut || to === undefined) {
      this.record(message.to, cut ? 'lost (partition)' : 'lost (receiver down)', message);
      if (sameSender && message.type === 'snapshot') from.hooks.onSnapshotStatus(message.to, false);
      else if (sameSender && this.rng.chance(this.faults.reportUnreachableProbability)) from.hooks.onUnreachable(message.to);
      return;
    }
    this.stats.messagesDelivered++;
    this.node(message.to).dirty = true;
    this.record(message.to, 'recv', message);
    if (message.type === 'snapshot' && message.snapshot.data.byteLength === 0) {
      this.streamSnapshot(message, sameSender ? from : undefined, to);
      return;
    }
    to.hooks.onMessage(message);
    if (message.type === 'snapshot' && sameSender) from.hooks.onSnapshotStatus(message.to, true);
  }

  /**
   * As the gRPC transport does for a durable state machine's snapshot (empty data): the
   * sender's view streamed in chunks into the receiver's hook, which spools it and then hands
   * the message to its core; the sender hears the outcome. Runs as promise work of the nodes.
   */
  private streamSnapshot(message: SnapshotMessage, from: HookEntry | undefined, to: HookEntry): void {
    const chunks = from?.hooks.openSnapshot(message, SIM_SNAPSHOT_CHUNK_BYTES) ?? null;
    if (chunks === null) {
      from?.hooks.onSnapshotStatus(message.to, false);
      return;
    }
    const senderLife = from?.incarnation;
    const report = (ok: boolean): void => {
      const now = this.hooks.get(message.from);
      if (now !== undefined && now.incarnation === senderLife) now.hooks.onSnapshotStatus(message.to, ok);
    };
    to.hooks.receiveSnapshot(message, chunks).then(
      () => report(true),
      () => report(false),
    );
    this.scheduler.kick();
  }

  async advanceTick(withFaults: boolean): Promise<void> {
    this.nowTick++;
    this.stats.ticks++;
    if (withFaults) await nemesisTick(this);
    for (const node of this.nodes) {
      if (node.isPaused(this.nowTick)) continue;
      if (this.rng.chance(this.faults.diskFlushPerTickProbability)) {
        node.logDisk.flush();
        node.machineDisk.flush();
      }
      const due = node.stalled.filter((io) => io.dueTick <= this.nowTick);
      if (due.length === 0) continue;
      node.stalled = node.stalled.filter((io) => io.dueTick > this.nowTick);
      node.dirty = true;
      this.scheduler.kick();
      for (const io of due) if (io.incarnation.alive) io.resume();
    }
    this.scheduler.advanceTo(this.nowTick * simTickMs, (owner) => {
      const node = this.nodeById.get(owner.id);
      const fires = node !== undefined && node.isActive(this.nowTick) && !this.rng.chance(this.faults.tickSkipProbability);
      if (fires) node.dirty = true;
      return fires;
    });
  }

  /**
   * Every invariant, on every idle node that something reached, after every step. An idle
   * node's Ready loop has written all its core holds: its hard state and log are the stored
   * ones (the core's own status is compared with them every `statusCheckEvery` checks).
   */
  checkAll(): void {
    for (const node of this.nodes) {
      if (this.membership !== null && node.isLeader()) this.noteLeaderCommit(node);
      if (!node.dirty || !node.isIdle()) continue;
      node.dirty = false;
      if (++node.checks % statusCheckEvery === 0) this.checkStoredMatchesCore(node);
      const { term, commit } = node.logDisk.read().hardState;
      if (node.role === 'leader') {
        this.checker.observeLeader(node.id, term);
        this.checker.checkLeaderCompleteness(node.view, term);
        this.checkLeaderMembership(node, term, commit);
        if (!this.leaderTermsSeen.has(term)) {
          this.leaderTermsSeen.add(term);
          this.stats.leaderTerms++;
        }
      }
      this.stats.maxTerm = Math.max(this.stats.maxTerm, term);
      this.checker.observeCommit(node.id, commit, term, node.view);
      this.checker.checkAckedEntriesKept(node.id, term, node.view);
    }
    this.checkLogMatching();
  }

  /** A leader's commit index and voters as its core holds them now, idle or not (see noteLeaderCommit). */
  private noteLeaderCommit(node: SimNode): void {
    const status = node.raft?.status();
    if (status?.role === 'leader') this.checker.noteLeaderCommit(status.commit, status.voters);
  }

  /** One configuration change in flight; the leader's commits counted by its configuration's voters. */
  private checkLeaderMembership(node: SimNode, term: number, commit: number): void {
    // Without membership draws no log holds a configuration change: skip the log scans.
    if (this.membership !== null) this.checker.checkLeaderConf(node.view, term, commit);
    const seen = this.leaderCommitChecked.get(node.id);
    this.leaderCommitChecked.set(node.id, { term, commit });
    if (seen === undefined || seen.term !== term || seen.commit >= commit) return;
    this.checker.checkCommitQuorum(node.id, commit, node.view.termAt(commit), this.commitVoterSets(node, commit), this.durableViews());
  }

  /** The voters a leader counts by (see checkCommitQuorum): its latest configuration's, and the one before while that is uncommitted. */
  private commitVoterSets(node: SimNode, commit: number): (readonly string[])[] {
    const boot = this.bootstrapVoters;
    if (this.membership === null) return [boot];
    const latest = node.view.latestConfIndex();
    if (latest === undefined) return [node.view.latestVoters(boot)];
    const current = node.view.votersAt(latest, boot) ?? boot;
    const before = latest > commit ? node.view.votersAt(latest - 1, boot) : undefined;
    return before === undefined ? [current] : [current, before];
  }

  private checkStoredMatchesCore(node: SimNode): void {
    const status = (node.raft as NonNullable<SimNode['raft']>).status();
    const hs = node.logDisk.read().hardState;
    if (status.lastIndex !== node.view.lastIndex() || status.term !== hs.term || status.role !== node.role) {
      throw new SimContractError(
        `${node.id} is idle but its core (${status.role}, term ${status.term}, last ${status.lastIndex}) differs from what it stored and announced (${node.role}, term ${hs.term}, last ${node.view.lastIndex()})`,
      );
    }
  }

  private checkLogMatching(): void {
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i];
      if (node === undefined || this.checkedStoreVersion[i] === node.storeVersion) continue;
      this.checkedStoreVersion[i] = node.storeVersion;
      for (const other of this.nodes) if (other !== node) this.checker.checkLogMatching(node.view, other.view);
    }
  }

  private failure(error: unknown): SimResult {
    const message = error instanceof Error ? error.message : String(error);
    const invariant = error instanceof InvariantViolation ? error.invariant : error instanceof SimContractError ? 'contract' : 'threw';
    const detail = error instanceof Error && !(error instanceof InvariantViolation) && error.stack !== undefined ? error.stack : message;
    this.record('-', `FAILED: ${detail}`, null);
    for (const node of this.nodes) killProcess(this, node);
    return { ok: false, seed: this.options.seed, invariant, message, config: this.configSummary, trace: this.trace.lines(), stats: this.stats };
  }
}

/** Run one seed with defaults for everything not given. */
export async function runSeed(seed: number, overrides: Partial<Omit<SimOptions, 'seed'>> = {}): Promise<SimResult> {
  const simulation = new Simulation({ ...simDefaults, ...overrides, seed });
  const result = await simulation.run();
  if (result.ok) for (const node of simulation.nodes) killProcess(simulation, node);
  return result;
}
