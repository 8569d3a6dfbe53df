import type { RaftConfig } from '../core/config.js';
import type { NodeId } from '../core/types.js';
import type { RaftNode } from '../driver/raft-node.js';
import { type LogDisk, newLogDisk } from '../storage/memory-log-storage.js';
import { type MachineDisk, type EntrySignature, newMachineDisk, SimStateMachine } from './sim-state-machine.js';
import { newSpoolDisk, type SpoolDisk } from './sim-snapshot-spool.js';
import { StoredLogView } from './stored-log-view.js';

/** Unsynced writes a simulated disk caches before it writes the oldest back on its own. */
export const unsyncedWritesMax = 64;

/** One life of a node process: a crash ends it (its callbacks and pending I/O never run again). */
export interface Incarnation {
  readonly id: NodeId;
  alive: boolean;
  readonly number: number;
}

export interface StalledIo {
  readonly incarnation: Incarnation;
  readonly dueTick: number;
  readonly resume: () => void;
}

/**
 * One simulated server: two disks that outlive crashes (the Raft log's and the state
 * machine's), and the process (a real RaftNode over them) that a crash throws away.
 */
export class SimNode {
  readonly logDisk: LogDisk = newLogDisk(unsyncedWritesMax);
  readonly machineDisk: MachineDisk = newMachineDisk(unsyncedWritesMax);
  /** The driver's InstallSnapshot spool (received snapshots not yet restored). */
  readonly spoolDisk: SpoolDisk = newSpoolDisk(unsyncedWritesMax);
  /** The stored log as the process wrote it, and the part of it that survives a power loss. */
  readonly view: StoredLogView;
  readonly durableView: StoredLogView;
  raft: RaftNode<EntrySignature> | null = null;
  machine: SimStateMachine | null = null;
  incarnation: Incarnation;
  /** Bumped on every write and power loss (log matching re-checks only changed logs). */
  storeVersion = 0;
  restartAtTick = -1;
  pausedUntilTick = -1;
  /** Role as the driver last announced it (its 'leader-change' event); 'down' when crashed. */
  role: string = 'down';
  /** Something reached the process since the last check (checkAll skips clean nodes). */
  dirty = true;
  /** Idle checks so far (every few compare the core's status with the stored state). */
  checks = 0;
  /** I/O of this incarnation the harness is holding back (a slow disk). */
  stalled: StalledIo[] = [];

  constructor(
    readonly id: NodeId,
    readonly config: RaftConfig,
  ) {
    this.incarnation = { id, alive: false, number: 0 };
    this.view = new StoredLogView(id, () => this.logDisk.read());
    this.durableView = new StoredLogView(id, () => this.logDisk.readDurable());
  }

  isLeader(): boolean {
    return this.raft !== null && this.role === 'leader';
  }

  isUp(): boolean {
    return this.raft !== null;
  }

  isPaused(nowTick: number): boolean {
    return this.pausedUntilTick > nowTick;
  }

  /** Can act now: up and not paused. */
  isActive(nowTick: number): boolean {
    return this.raft !== null && !this.isPaused(nowTick);
  }

  /** Idle: up, and no I/O held back (so its Ready loop has caught up with its core). */
  isIdle(): boolean {
    return this.raft !== null && this.stalled.length === 0;
  }

  appliedList(): readonly EntrySignature[] {
    return this.machineDisk.read();
  }
}
