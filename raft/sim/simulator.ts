import type { RaftConfig } from '../core/config.js';
import { makeRaftConfig } from '../core/config.js';
import { createRng, type Rng } from '../core/rng.js';
import {
  defaultFaultProfile,
  drawSwarmFactor,
  quietFaultProfile,
  swarmFaultProfile,
  validateFaultProfile,
  type FaultProfile,
} from './fault-profile.js';
import { InvariantChecker, InvariantViolation, type LogView } from './invariants.js';
import { SimClient } from './sim-client.js';
import { drain, withCore } from './sim-driver.js';
import { runLivenessPhase } from './sim-liveness.js';
import { nemesisTick } from './sim-nemesis.js';
import { SimNetwork, type InFlight } from './sim-network.js';
import { SimNode, type RaftCoreCtor } from './sim-node.js';
import { SimContractError } from './sim-store.js';
import { SimTrace } from './sim-trace.js';
import type { Message } from '../core/types.js';

export interface SimOptions {
  readonly seed: number;
  /** 3 or 5. */
  readonly nodeCount: number;
  /** Fault-phase steps (a step delivers one message or advances time by one tick). */
  readonly steps: number;
  readonly core: RaftCoreCtor;
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
}

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

export interface SimStats {
  steps: number;
  ticks: number;
  messagesDelivered: number;
  crashes: number;
  pauses: number;
  partitions: number;
  leaderTerms: number;
  maxTerm: number;
  proposalsAcked: number;
  readsIssued: number;
  readsServed: number;
  snapshotsInstalled: number;
  compactions: number;
}

export type SimResult =
  | { readonly ok: true; readonly seed: number; readonly stats: SimStats }
  | {
      readonly ok: false;
      readonly seed: number;
      /** Invariant name, `ready contract`, or `core threw`. */
      readonly invariant: string;
      readonly message: string;
      /** The Raft configuration the seed drew. */
      readonly config: string;
      readonly trace: readonly string[];
      readonly stats: SimStats;
    };

export function validateSimOptions(options: SimOptions): void {
  if (options.nodeCount !== 3 && options.nodeCount !== 5) throw new Error(`nodeCount must be 3 or 5, got ${options.nodeCount}`);
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be an integer, got ${options.seed}`);
  for (const key of ['steps', 'traceEvents', 'leaderWithinTicks', 'convergeWithinTicks'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`${key} must be an integer >= 1, got ${options[key]}`);
  }
  validateFaultProfile(options.faults);
}

/** Raft configuration drawn from the seed: small bounds so compaction, snapshots and backoff happen. */
function drawSharedConfig(rng: Rng): Partial<Omit<RaftConfig, 'id' | 'voters'>> {
  const checkQuorum = rng.chance(0.7);
  return {
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: 1,
    preVote: rng.chance(0.7),
    checkQuorum,
    leaseReads: checkQuorum && rng.chance(0.5),
    maxEntriesPerMessage: rng.pick([1, 2, 4, 64]),
    maxBytesPerMessage: rng.pick([8, 64, 4096]),
    maxInflightMessages: rng.pick([1, 2, 4, 16]),
    maxUncommittedEntries: 64,
    maxApplyEntriesPerReady: rng.pick([1, 4, 64]),
    maxPendingReads: 16,
    readTimeoutTicks: 30,
    snapshotThresholdEntries: rng.pick([4, 8, 16]),
    compactionKeepEntries: rng.pick([0, 2, 5]),
  };
}

/** One seeded run: fault phase with invariants after every step, then the liveness phase. */
export class Simulation {
  readonly rng: Rng;
  readonly nodes: SimNode[];
  readonly network: SimNetwork;
  readonly checker = new InvariantChecker();
  readonly trace: SimTrace;
  readonly client: SimClient;
  readonly stats: SimStats = {
    steps: 0, ticks: 0, messagesDelivered: 0, crashes: 0, pauses: 0, partitions: 0, leaderTerms: 0,
    maxTerm: 0, proposalsAcked: 0, readsIssued: 0, readsServed: 0, snapshotsInstalled: 0, compactions: 0,
  };
  faults: FaultProfile;
  nowTick = 0;
  stepNo = 0;
  readonly configSummary: string;
  private readonly checkedStoreVersion: number[];
  private readonly nodeById: Map<string, SimNode>;
  private readonly leaderTermsSeen = new Set<number>();

  constructor(readonly options: SimOptions) {
    validateSimOptions(options);
    this.rng = createRng(options.seed);
    this.faults = options.swarm
      ? swarmFaultProfile(options.faults, () => drawSwarmFactor((items) => this.rng.pick(items)))
      : options.faults;
    this.trace = new SimTrace(options.traceEvents, options.verbose ? (line) => console.log(line) : null);
    this.network = new SimNetwork(this.rng.fork());
    this.client = new SimClient(this);
    const ids = Array.from({ length: options.nodeCount }, (_, i) => `n${i + 1}`);
    const shared = drawSharedConfig(this.rng);
    this.configSummary = `${JSON.stringify(shared)} faults ${JSON.stringify(this.faults)}`;
    this.nodes = ids.map((id) => new SimNode(id, makeRaftConfig(id, ids, shared)));
    this.checkedStoreVersion = ids.map(() => -1);
    this.nodeById = new Map(this.nodes.map((node) => [node.id, node]));
    if (options.verbose) console.log(`seed ${options.seed}: ${options.nodeCount} nodes, config ${this.configSummary}`);
  }

  run(): SimResult {
    try {
      for (const node of this.nodes) this.restartNode(node);
      this.checkAll();
      for (this.stepNo = 1; this.stepNo <= this.options.steps; this.stepNo++) {
        this.step();
        this.checkAll();
      }
      this.stats.steps = this.options.steps;
      this.faults = quietFaultProfile;
      runLivenessPhase(this);
      return { ok: true, seed: this.options.seed, stats: this.stats };
    } catch (error) {
      return this.failure(error);
    }
  }

  activeNodes(): SimNode[] {
    return this.nodes.filter((node) => node.isActive(this.nowTick));
  }

  node(id: string): SimNode {
    const node = this.nodeById.get(id);
    if (node === undefined) throw new SimContractError(`message addressed to unknown node ${id}`);
    return node;
  }

  record(node: string, what: string, message: Message | null): void {
    this.trace.record({ step: this.stepNo, tick: this.nowTick, node, what, message });
  }

  /** Targets of the new-leader strike: node id -> tick at which it is hit. */
  readonly leaderStrikes = new Map<string, { tick: number; incarnation: number }>();

  onNewLeader(node: SimNode): void {
    if (!this.rng.chance(this.faults.newLeaderStrikeProbability)) return;
    const tick = this.nowTick + this.rng.int(0, this.faults.newLeaderStrikeMaxTicks + 1);
    this.leaderStrikes.set(node.id, { tick, incarnation: node.incarnation });
  }

  crashNode(node: SimNode, why: string): void {
    node.crash(this.nowTick + this.rng.int(1, this.faults.restartDelayMaxTicks + 2));
    this.stats.crashes++;
    this.record(node.id, `${why} (restart at t${node.restartAtTick})`, null);
  }

  restartNode(node: SimNode): void {
    node.restart(this.options.core, this.rng.fork(), this.nowTick);
    this.checker.observeRestart(node.id, node.store.hardState.commit);
    const list = node.sm.list();
    for (let i = 0; i < list.length; i++) this.checker.observeApplied(node.id, i + 1, list[i] ?? '');
    const hs = node.store.hardState;
    this.record(node.id, `start #${node.incarnation}: term ${hs.term} vote ${hs.vote ?? '-'} commit ${hs.commit} log ${node.store.firstIndex()}..${node.store.lastIndex()} snapshot ${node.store.snapshotIndex()}`, null);
    drain(this, node);
  }

  /** Up and not paused: the node takes messages now. */
  readonly canReceive = (id: string): boolean => this.node(id).isActive(this.nowTick);

  /** One event: deliver one due message, or advance time by one tick. */
  step(): void {
    const item = this.rng.chance(0.85) ? this.network.takeDue(this.nowTick, this.canReceive) : null;
    if (item !== null) this.deliver(item);
    else this.advanceTick(true);
  }

  deliver(item: InFlight): void {
    const message = item.message;
    const to = this.node(message.to);
    const from = this.node(message.from);
    if (this.network.isCut(message.from, message.to) || !to.isUp()) {
      this.record(to.id, this.network.isCut(message.from, message.to) ? 'lost (partition)' : 'lost (receiver down)', message);
      const sameSender = from.isActive(this.nowTick) && from.incarnation === item.fromIncarnation;
      if (sameSender && message.type === 'snapshot') withCore(this, from, (core) => core.reportSnapshot(to.id, false));
      else if (sameSender && this.rng.chance(this.faults.reportUnreachableProbability)) {
        withCore(this, from, (core) => core.reportUnreachable(to.id));
      }
      return;
    }
    this.stats.messagesDelivered++;
    this.record(to.id, 'recv', message);
    withCore(this, to, (core) => core.step(message));
    if (message.type === 'snapshot' && from.isActive(this.nowTick) && from.incarnation === item.fromIncarnation) {
      withCore(this, from, (core) => core.reportSnapshot(to.id, true));
    }
  }

  advanceTick(withFaults: boolean): void {
    this.nowTick++;
    this.stats.ticks++;
    if (withFaults) nemesisTick(this);
    for (const node of this.nodes) {
      if (!node.isActive(this.nowTick) || this.rng.chance(this.faults.tickSkipProbability)) continue;
      node.noteTick(this.nowTick);
      withCore(this, node, (core) => core.tick());
    }
  }

  /** Every invariant, on every node, after every step. */
  checkAll(): void {
    for (const node of this.nodes) {
      const core = node.core;
      if (core === null) continue;
      const status = core.status();
      if (status.lastIndex !== node.store.lastIndex()) {
        throw new SimContractError(`${node.id} core log ends at ${status.lastIndex} after its Readies were handled, persisted log at ${node.store.lastIndex()}`);
      }
      const view = this.view(node);
      if (status.role === 'leader') {
        this.checker.observeLeader(node.id, status.term);
        this.checker.checkLeaderCompleteness(view, status.term);
        if (!this.leaderTermsSeen.has(status.term)) {
          this.leaderTermsSeen.add(status.term);
          this.stats.leaderTerms++;
        }
      }
      this.stats.maxTerm = Math.max(this.stats.maxTerm, status.term);
      this.checker.observeCommit(node.id, status.commit, status.term, view);
      this.checker.checkAckedEntriesKept(node.id, status.term, view);
    }
    this.checkLogMatching();
  }

  view(node: SimNode): LogView {
    return node.store;
  }

  private checkLogMatching(): void {
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i];
      if (node === undefined || this.checkedStoreVersion[i] === node.storeVersion) continue;
      this.checkedStoreVersion[i] = node.storeVersion;
      for (const other of this.nodes) if (other !== node) this.checker.checkLogMatching(this.view(node), this.view(other));
    }
  }

  private failure(error: unknown): SimResult {
    const message = error instanceof Error ? error.message : String(error);
    const invariant =
      error instanceof InvariantViolation ? error.invariant : error instanceof SimContractError ? 'ready contract' : 'core threw';
    const detail = error instanceof Error && !(error instanceof InvariantViolation) && error.stack !== undefined ? error.stack : message;
    this.record('-', `FAILED: ${detail}`, null);
    return { ok: false, seed: this.options.seed, invariant, message, config: this.configSummary, trace: this.trace.lines(), stats: this.stats };
  }
}

/** Run one seed with defaults for everything not given. */
export function runSeed(seed: number, core: RaftCoreCtor, overrides: Partial<Omit<SimOptions, 'seed' | 'core'>> = {}): SimResult {
  return new Simulation({ ...simDefaults, ...overrides, seed, core }).run();
}
