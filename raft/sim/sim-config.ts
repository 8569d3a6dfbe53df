import type { RaftConfig } from '../core/config.js';
import type { Rng } from '../../common/rng.js';

/** Cluster sizes a mixed run draws from (even sizes included: their quorum is n/2 + 1). */
export const clusterSizes = [1, 2, 3, 3, 3, 4, 5, 5, 6, 7] as const;
export const clusterSizeMax = 7;

export type RaftOverrides = Partial<Omit<RaftConfig, 'id' | 'voters'>>;

/**
 * The Raft configuration a seed runs: every switch crossed (PreVote x lease reads x
 * CheckQuorum, lease reads needing CheckQuorum), small bounds so batching, backoff and
 * snapshots happen, and snapshot thresholds low enough that a restart replays a backlog
 * larger than `maxApplyEntriesPerReady` (several Readies before the core catches up with the
 * state machine). Extend by adding draws here; keep the draw order stable for old seeds.
 */
export function drawRaftConfig(rng: Rng): RaftOverrides {
  const checkQuorum = rng.chance(0.7);
  return {
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: 1,
    preVote: rng.chance(0.6),
    checkQuorum,
    leaseReads: checkQuorum && rng.chance(0.5),
    maxEntriesPerMessage: rng.pick([1, 2, 4, 64]),
    maxBytesPerMessage: rng.pick([8, 64, 4096]),
    maxInflightMessages: rng.pick([1, 2, 4, 16]),
    maxUncommittedEntries: 64,
    maxApplyEntriesPerReady: rng.pick([1, 2, 4, 64]),
    maxPendingReads: 16,
    readTimeoutTicks: 30,
    snapshotThresholdEntries: rng.pick([2, 4, 8, 16]),
    compactionKeepEntries: rng.pick([0, 2, 5]),
    deferBareCommit: rng.chance(0.5),
  };
}

/** Per-seed choices of the harness itself (not Raft's configuration). */
export interface HarnessDraw {
  /** Every member gets the same driver seed (a config copied to every node): elections must still end. */
  readonly sameSeedEverywhere: boolean;
  /** The healed phase starts with the whole cluster losing power at once. */
  readonly wholeClusterPowerLoss: boolean;
}

export function drawHarness(rng: Rng): HarnessDraw {
  return { sameSeedEverywhere: rng.chance(0.3), wholeClusterPowerLoss: rng.chance(0.3) };
}
