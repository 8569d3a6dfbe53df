import type { RaftCoreApi } from '../core/api.js';
import type { RaftConfig } from '../core/config.js';
import type { Rng } from '../core/rng.js';
import type { NodeId, ReadState, RestoredState } from '../core/types.js';
import { SimStateMachine } from './sim-state-machine.js';
import { SimStore } from './sim-store.js';

/** Core ticks whose global time is remembered (older lease starts count as expired). */
const leaseTicksKept = 64;

export type RaftCoreCtor = new (config: RaftConfig, rng: Rng, restored: RestoredState) => RaftCoreApi;

export interface PendingProposal {
  readonly term: number;
  readonly payload: string;
  readonly step: number;
}

export interface PendingRead {
  /** Highest index of a write acknowledged before the read was issued. */
  readonly requiredIndex: number;
  readonly step: number;
}

/**
 * One simulated server: durable store (survives crashes) plus volatile parts (core, state
 * machine, pending client requests) that a crash throws away.
 */
export class SimNode {
  readonly store: SimStore;
  readonly sm = new SimStateMachine();
  core: RaftCoreApi | null = null;
  incarnation = 0;
  /** Bumped on every durable write (log matching re-checks only changed stores). */
  storeVersion = 0;
  restartAtTick = -1;
  pausedUntilTick = -1;
  readonly pendingProposals = new Map<number, PendingProposal>();
  readonly pendingReads = new Map<string, PendingRead>();
  /** Read states answered by the core, waiting for the state machine to catch up. */
  waitingReads: ReadState[] = [];
  /** Lease reads: the global tick at which each core tick of this incarnation happened. */
  private readonly globalTickOf = new Map<number, number>();
  private coreTicks = 0;

  constructor(
    readonly id: NodeId,
    readonly config: RaftConfig,
  ) {
    this.store = new SimStore(id);
  }

  isUp(): boolean {
    return this.core !== null;
  }

  isPaused(nowTick: number): boolean {
    return this.pausedUntilTick > nowTick;
  }

  /** Can act now: up and not paused. */
  isActive(nowTick: number): boolean {
    return this.core !== null && !this.isPaused(nowTick);
  }

  /** Lose every volatile part. */
  crash(restartAtTick: number): void {
    this.core = null;
    this.restartAtTick = restartAtTick;
    this.pausedUntilTick = -1;
    this.pendingProposals.clear();
    this.pendingReads.clear();
    this.waitingReads = [];
  }

  /** Start a fresh core from the durable store; the state machine restarts from the snapshot. */
  restart(ctor: RaftCoreCtor, rng: Rng, nowTick: number): void {
    this.incarnation++;
    this.coreTicks = 0;
    this.globalTickOf.clear();
    this.globalTickOf.set(0, nowTick);
    this.restartAtTick = -1;
    this.sm.restore(this.store.snapshot);
    this.core = new ctor(this.config, rng, this.store.restoredState());
  }

  /** The core is about to take its next tick at global tick `nowTick`. */
  noteTick(nowTick: number): void {
    this.coreTicks++;
    this.globalTickOf.set(this.coreTicks, nowTick);
    this.globalTickOf.delete(this.coreTicks - leaseTicksKept);
  }

  /**
   * The driver's lease check, with global time as the clock: a lease that started at the
   * leader's core tick t holds while fewer than electionTimeoutTicks - 1 global ticks have
   * passed (a follower that acknowledged it refuses votes for electionTimeoutTicks of its own
   * ticks, which never run faster than global time).
   */
  leaseValid(nowTick: number): boolean {
    const core = this.core;
    if (core === null) return false;
    const started = this.globalTickOf.get(core.readLeaseTick());
    return started !== undefined && nowTick < started + this.config.electionTimeoutTicks - 1;
  }
}
