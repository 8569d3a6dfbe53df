import type { NodeId } from './types.js';

/** Every bound of the core, named with its unit. Validated once by `validateRaftConfig`. */
export interface RaftConfig {
  readonly id: NodeId;
  /**
   * Bootstrap voting members: the configuration until the log or a snapshot holds one
   * (membership changes: conf-change.ts). A node joining a running cluster boots with the
   * cluster's voters and itself in `learners`, and learns the real configuration from the leader.
   */
  readonly voters: readonly NodeId[];
  /** Bootstrap non-voting members. `id` must be in `voters` or `learners`. */
  readonly learners: readonly NodeId[];
  /** Base election timeout; the randomized timeout is drawn from [base, 2 x base). */
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /**
   * Lease-based reads (Raft thesis §6.4.1): the leader confirms its leadership with a heartbeat
   * round every heartbeat interval, and while the driver says the lease from the latest confirmed
   * round is still valid (`setReadLease`), it answers reads at its commit index without a round.
   * Needs checkQuorum (followers that heard from a leader refuse votes for an election timeout);
   * a restarted node also refuses votes for its first election timeout. Safe when clocks run at
   * rates within the driver's drift margin; with `false` every read pays a heartbeat round.
   */
  readonly leaseReads: boolean;
  /**
   * A new commit index alone makes no append to a follower in replicate state (etcd sends one at
   * once): it travels with the next entries, the next heartbeat, or right before the answer to
   * that follower's ReadIndex (or once the follower acknowledges the entries up to that read's
   * index, if it had not yet). Saves each committed batch one message per follower when no
   * entries follow at once (the 1-client trade); a follower's stale view may lag by up to one
   * heartbeat interval when the log goes idle. Linearizable reads are unaffected.
   */
  readonly deferBareCommit: boolean;
  /** Max entries carried by one AppendEntries message. */
  readonly maxEntriesPerMessage: number;
  /** Max payload bytes carried by one AppendEntries message (at least one entry is always sent). */
  readonly maxBytesPerMessage: number;
  /** Max AppendEntries messages in flight to one follower in replicate state (pipelining window). */
  readonly maxInflightMessages: number;
  /** Max entries the leader holds appended but not committed; proposals beyond fail fast. */
  readonly maxUncommittedEntries: number;
  /** Max size of one proposal's data. */
  readonly maxProposalBytes: number;
  /** Max committed entries handed to the application in one Ready. */
  readonly maxApplyEntriesPerReady: number;
  /** Max pending ReadIndex requests held by one node. */
  readonly maxPendingReads: number;
  /** A follower fails a forwarded read that got no answer within this many ticks. */
  readonly readTimeoutTicks: number;
  /** The driver takes a snapshot once applied - snapshotIndex exceeds this. */
  readonly snapshotThresholdEntries: number;
  /** A snapshot send with no outcome reported for this many ticks is retried. */
  readonly snapshotRetryTicks: number;
  /** Entries kept behind a snapshot so slightly lagging followers need no InstallSnapshot. */
  readonly compactionKeepEntries: number;
}

export const defaultRaftConfig = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  preVote: true,
  checkQuorum: true,
  leaseReads: false,
  deferBareCommit: false,
  learners: [],
  maxEntriesPerMessage: 256,
  maxBytesPerMessage: 1024 * 1024,
  maxInflightMessages: 64,
  maxUncommittedEntries: 8192,
  maxProposalBytes: 512 * 1024,
  maxApplyEntriesPerReady: 4096,
  maxPendingReads: 4096,
  readTimeoutTicks: 30,
  snapshotThresholdEntries: 10_000,
  snapshotRetryTicks: 40,
  compactionKeepEntries: 1_000,
} as const satisfies Omit<RaftConfig, 'id' | 'voters'>;

export function makeRaftConfig(
  id: NodeId,
  voters: readonly NodeId[],
  overrides: Partial<Omit<RaftConfig, 'id' | 'voters'>> = {},
): RaftConfig {
  const config: RaftConfig = { ...defaultRaftConfig, ...overrides, id, voters: [...voters] };
  validateRaftConfig(config);
  return config;
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be an integer >= 1, got ${value}`);
  }
}

export function validateRaftConfig(config: RaftConfig): void {
  if (config.id.length === 0) throw new Error('id must be a non-empty node id');
  if (!config.voters.includes(config.id) && !config.learners.includes(config.id)) {
    throw new Error(`voters or learners must include this node's id ${config.id}, got [${config.voters.join(', ')}]`);
  }
  if (config.voters.length === 0) throw new Error('voters must not be empty');
  const members = [...config.voters, ...config.learners];
  if (new Set(members).size !== members.length) {
    throw new Error(`voters and learners must be distinct, got [${config.voters.join(', ')}] and [${config.learners.join(', ')}]`);
  }
  for (const key of [
    'electionTimeoutTicks',
    'heartbeatIntervalTicks',
    'maxEntriesPerMessage',
    'maxBytesPerMessage',
    'maxInflightMessages',
    'maxUncommittedEntries',
    'maxProposalBytes',
    'maxApplyEntriesPerReady',
    'maxPendingReads',
    'readTimeoutTicks',
    'snapshotThresholdEntries',
    'snapshotRetryTicks',
  ] as const) {
    positiveInt(key, config[key]);
  }
  if (!Number.isInteger(config.compactionKeepEntries) || config.compactionKeepEntries < 0) {
    throw new Error(`compactionKeepEntries must be an integer >= 0, got ${config.compactionKeepEntries}`);
  }
  if (config.leaseReads && !config.checkQuorum) throw new Error('leaseReads needs checkQuorum (followers must refuse votes while a leader is in lease)');
  if (config.electionTimeoutTicks < 2 * config.heartbeatIntervalTicks) {
    throw new Error(
      `electionTimeoutTicks must be an integer >= 2 x heartbeatIntervalTicks (${2 * config.heartbeatIntervalTicks}), got ${config.electionTimeoutTicks}`,
    );
  }
}
