import type { RaftConfig } from '../core/config.js';
import type { NodeId } from '../core/types.js';
import type { LogStorage } from '../storage/log-storage.js';
import type { RaftTransport } from '../transport/transport.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { LEASE_DRIFT_FRACTION_DEFAULT } from './lease-clock.js';
import type { RaftLogger } from './raft-logger.js';
import type { RaftMetricsHooks } from './raft-metrics.js';
import type { RaftRuntime } from './raft-runtime.js';
import type { SnapshotSpoolStore } from './snapshot-spool.js';
import type { StateMachine } from './state-machine.js';

export interface RaftNodeOptions<Result = unknown> {
  readonly id: NodeId;
  /** All voting members including `id` (static membership). */
  readonly voters: readonly NodeId[];
  /**
   * Bootstrap learners. A node joining a running cluster boots with the cluster's voters and
   * itself here, with an empty data dir; the leader adds it with a configuration change.
   */
  readonly learners?: readonly NodeId[];
  /** LevelDB directory for the Raft log (created if missing; locked while open). Required unless `storage` is given. */
  readonly dataDir?: string;
  /** The Raft log storage to use instead of LevelDB in `dataDir` (the simulator's in-memory disk). */
  readonly storage?: LogStorage;
  /** Clock and timers; default the process's. The simulator injects virtual ones. */
  readonly runtime?: RaftRuntime;
  /** Directory where incoming InstallSnapshot data is spooled until restored. Default: `<dataDir>.snapshots`. */
  readonly snapshotSpoolDir?: string;
  /** The spool itself (in-memory drivers: `MemorySnapshotSpool`); overrides snapshotSpoolDir. */
  readonly snapshotSpool?: SnapshotSpoolStore;
  readonly transport: RaftTransport;
  readonly stateMachine: StateMachine<Result>;
  /** Overrides of the core's bounds (electionTimeoutTicks, snapshotThresholdEntries, ...). */
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'voters'>>;
  /** Wall-clock length of one Raft tick. Default 50 ms (election timeout 10 ticks => 500-1000 ms). */
  readonly tickMs?: number;
  /**
   * Lease reads (raft.leaseReads): the share of the lease given up as margin for clock rates
   * that differ between members. Default 0.2 (lease = 0.8 x (electionTimeoutTicks - 1) ticks).
   */
  readonly leaseDriftFraction?: number;
  /** Seed of the core's Rng (election jitter). Default: random, logged at start. */
  readonly seed?: number;
  /** Max proposals awaiting their commit on this node; more fail with RAFT_ERR_PROPOSAL_QUEUE_FULL. */
  readonly maxPendingProposals?: number;
  /** Max readIndex calls awaiting an answer on this node. */
  readonly maxPendingReads?: number;
  /** Default timeout of propose() and readIndex() when the caller gives none. */
  readonly defaultTimeoutMs?: number;
  readonly metrics?: RaftMetricsHooks;
  readonly logger?: RaftLogger;
  /**
   * Called when the loop hits an error it must not continue from (storage write failure,
   * broken invariant). Default: log and exit the process with code 70.
   */
  readonly onFatal?: (error: unknown) => void;
}

export interface ResolvedDriverOptions {
  readonly tickMs: number;
  readonly maxPendingProposals: number;
  readonly maxPendingReads: number;
  readonly defaultTimeoutMs: number;
  readonly leaseDriftFraction: number;
}

export const defaultDriverOptions: ResolvedDriverOptions = {
  tickMs: 50,
  maxPendingProposals: 8192,
  maxPendingReads: 4096,
  defaultTimeoutMs: 5000,
  leaseDriftFraction: LEASE_DRIFT_FRACTION_DEFAULT,
};

function invalid(message: string): RaftError {
  return new RaftError(RaftDriverErrorCode.InvalidOptions, message);
}

function intAtLeast(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw invalid(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Validate once, up front; the core's config is validated by makeRaftConfig. */
export function resolveDriverOptions(options: RaftNodeOptions<unknown>): ResolvedDriverOptions {
  if (typeof options.id !== 'string' || options.id.length === 0) throw invalid('id must be a non-empty string');
  const learners = options.learners ?? [];
  if (!Array.isArray(options.voters) || !Array.isArray(learners) || !(options.voters.includes(options.id) || learners.includes(options.id))) {
    throw invalid(`voters (or learners, for a node joining a running cluster) must be an array including id ${options.id}`);
  }
  if (options.storage === undefined && (typeof options.dataDir !== 'string' || options.dataDir.length === 0)) {
    throw invalid('dataDir must be a non-empty path (or give storage)');
  }
  if (options.snapshotSpool === undefined && options.snapshotSpoolDir === undefined && options.dataDir === undefined) {
    throw invalid('snapshotSpool or snapshotSpoolDir is required without dataDir');
  }
  if (options.transport === undefined) throw invalid('transport is required');
  if (options.stateMachine === undefined) throw invalid('stateMachine is required');
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw invalid(`seed must be an integer, got ${options.seed}`);
  const leaseDriftFraction = options.leaseDriftFraction ?? defaultDriverOptions.leaseDriftFraction;
  if (!(leaseDriftFraction >= 0 && leaseDriftFraction < 1)) throw invalid(`leaseDriftFraction must be in [0, 1), got ${leaseDriftFraction}`);
  return {
    tickMs: intAtLeast('tickMs', options.tickMs ?? defaultDriverOptions.tickMs, 1),
    maxPendingProposals: intAtLeast(
      'maxPendingProposals',
      options.maxPendingProposals ?? defaultDriverOptions.maxPendingProposals,
      1,
    ),
    maxPendingReads: intAtLeast('maxPendingReads', options.maxPendingReads ?? defaultDriverOptions.maxPendingReads, 1),
    defaultTimeoutMs: intAtLeast('defaultTimeoutMs', options.defaultTimeoutMs ?? defaultDriverOptions.defaultTimeoutMs, 1),
    leaseDriftFraction,
  };
}

export function validTimeoutMs(timeoutMs: number | undefined, fallbackMs: number): number {
  const value = timeoutMs ?? fallbackMs;
  if (!Number.isFinite(value) || value <= 0) throw invalid(`timeoutMs must be a number > 0, got ${value}`);
  return value;
}
