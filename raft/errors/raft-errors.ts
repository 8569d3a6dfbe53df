import type { NodeId } from '../core/types.js';

/** Every error code the Raft library (driver and storage) raises, stable across versions. */
export const RaftDriverErrorCode = {
  NotLeader: 'RAFT_ERR_NOT_LEADER',
  TransferInProgress: 'RAFT_ERR_TRANSFER_IN_PROGRESS',
  ProposalQueueFull: 'RAFT_ERR_PROPOSAL_QUEUE_FULL',
  ProposalTooLarge: 'RAFT_ERR_PROPOSAL_TOO_LARGE',
  ProposalDropped: 'RAFT_ERR_PROPOSAL_DROPPED',
  UnknownPeer: 'RAFT_ERR_UNKNOWN_PEER',
  SnapshotOutOfDate: 'RAFT_ERR_SNAPSHOT_OUT_OF_DATE',
  Timeout: 'RAFT_ERR_TIMEOUT',
  NoLeader: 'RAFT_ERR_NO_LEADER',
  LeaderChanged: 'RAFT_ERR_LEADER_CHANGED',
  ReadQueueFull: 'RAFT_ERR_READ_QUEUE_FULL',
  Stopped: 'RAFT_ERR_STOPPED',
  InvalidOptions: 'RAFT_ERR_INVALID_OPTIONS',
  StorageLocked: 'RAFT_ERR_STORAGE_LOCKED',
  StorageUnreadable: 'RAFT_ERR_STORAGE_UNREADABLE',
  StorageCorrupt: 'RAFT_ERR_STORAGE_CORRUPT',
  StorageClosed: 'RAFT_ERR_STORAGE_CLOSED',
  ConfChangeInProgress: 'RAFT_ERR_CONF_CHANGE_IN_PROGRESS',
  LeaderNotReady: 'RAFT_ERR_LEADER_NOT_READY',
  ConfChangeInvalid: 'RAFT_ERR_CONF_CHANGE_INVALID',
  LearnerNotCaughtUp: 'RAFT_ERR_LEARNER_NOT_CAUGHT_UP',
} as const;
export type RaftDriverErrorCode = (typeof RaftDriverErrorCode)[keyof typeof RaftDriverErrorCode];

/** An operational error with a stable code. `leader` is a hint for NOT_LEADER-like errors. */
export class RaftError extends Error {
  readonly code: RaftDriverErrorCode;
  readonly leader: NodeId | null;

  constructor(code: RaftDriverErrorCode, message: string, options: { leader?: NodeId | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RaftError';
    this.code = code;
    this.leader = options.leader ?? null;
  }
}

export function isRaftError(error: unknown, code?: RaftDriverErrorCode): error is RaftError {
  return error instanceof RaftError && (code === undefined || error.code === code);
}
