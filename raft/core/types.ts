/**
 * Public types of the pure Raft core. Nothing here does I/O.
 *
 * Protocol in one paragraph (etcd raft style): the application calls `tick()`,
 * `step(message)`, `propose(data)`, `readIndex(context)`, `transferLeadership(to)`;
 * whenever `hasReady()` is true it takes `ready()`, then, in this order,
 *   1. persists `hardState`, `snapshot` and `entries` in one synced batch (a snapshot
 *      replaces the whole stored log: delete every stored entry; entries overwrite:
 *      delete every stored entry with index >= entries[0].index first),
 *   2. sends `messages`,
 *   3. restores `snapshot` into the state machine (if any), applies `committedEntries`,
 *      serves `readStates` once applied >= readState.index, fails `readFailures`,
 *   4. calls `advance(ready)`.
 */

export type NodeId = string;

export const EntryKind = {
  /** Application data. */
  Normal: 'normal',
  /** The no-op a new leader appends to commit entries of earlier terms. */
  Empty: 'empty',
  /** A membership change (conf-change.ts): in effect once appended; the application only skips it. */
  ConfChange: 'conf-change',
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SnapshotMeta {
  /** Last log index covered by the snapshot. */
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly term: number;
  /** Cluster membership at `index`. */
  readonly voters: readonly NodeId[];
  /** Non-voting members at `index` (absent: none). */
  readonly learners?: readonly NodeId[];
  /** Application-defined address of each member added by a change (absent: none). */
  readonly addresses?: Readonly<Record<NodeId, string>>;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export const Role = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const MessageType = {
  Append: 'append',
  AppendResp: 'append-resp',
  Vote: 'vote',
  VoteResp: 'vote-resp',
  PreVote: 'pre-vote',
  PreVoteResp: 'pre-vote-resp',
  Heartbeat: 'heartbeat',
  HeartbeatResp: 'heartbeat-resp',
  Snapshot: 'snapshot',
  TimeoutNow: 'timeout-now',
  ReadIndex: 'read-index',
  ReadIndexResp: 'read-index-resp',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  /** Sender's term. A pre-vote carries the term the sender *would* campaign in. */
  readonly term: number;
}

export interface AppendMessage extends MessageBase {
  readonly type: typeof MessageType.Append;
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  /**
   * No entries, only a newer commit index, to a follower the leader knows matches through
   * prevIndex: the follower answers only a rejection (a success would tell the leader nothing;
   * its heartbeats keep the follower counted as active). Saves a message per follower per commit.
   */
  readonly commitOnly?: boolean;
}

export interface AppendRespMessage extends MessageBase {
  readonly type: typeof MessageType.AppendResp;
  readonly reject: boolean;
  /** On success: the last index now known to match the leader. On reject: the rejected prevIndex. */
  readonly index: number;
  /** On reject: fast-backoff hint. The leader retries from a point <= hintIndex. */
  readonly hintIndex: number;
  /** On reject: term of the follower's entry at hintIndex (0 when the follower's log is shorter). */
  readonly hintTerm: number;
}

export interface VoteMessage extends MessageBase {
  readonly type: typeof MessageType.Vote | typeof MessageType.PreVote;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** True when campaigning because of a leadership transfer (bypasses leader stickiness). */
  readonly transfer: boolean;
}

export interface VoteRespMessage extends MessageBase {
  readonly type: typeof MessageType.VoteResp | typeof MessageType.PreVoteResp;
  readonly reject: boolean;
}

export interface HeartbeatMessage extends MessageBase {
  readonly type: typeof MessageType.Heartbeat;
  /** min(leader commit, follower match): never beyond what the follower is known to hold. */
  readonly commit: number;
  /** ReadIndex confirmation round this heartbeat belongs to (0 = none). */
  readonly readRound: number;
}

export interface HeartbeatRespMessage extends MessageBase {
  readonly type: typeof MessageType.HeartbeatResp;
  readonly readRound: number;
}

export interface SnapshotMessage extends MessageBase {
  readonly type: typeof MessageType.Snapshot;
  readonly snapshot: Snapshot;
}

export interface TimeoutNowMessage extends MessageBase {
  readonly type: typeof MessageType.TimeoutNow;
}

export interface ReadIndexMessage extends MessageBase {
  readonly type: typeof MessageType.ReadIndex;
  readonly context: string;
}

export interface ReadIndexRespMessage extends MessageBase {
  readonly type: typeof MessageType.ReadIndexResp;
  readonly context: string;
  /** Read index to wait for; meaningful only when reject is false. */
  readonly index: number;
  readonly reject: boolean;
}

export type Message =
  | AppendMessage
  | AppendRespMessage
  | VoteMessage
  | VoteRespMessage
  | HeartbeatMessage
  | HeartbeatRespMessage
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexRespMessage;

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  readonly context: string;
  readonly index: number;
}

export const ReadFailureReason = {
  NoLeader: 'no-leader',
  LeaderChanged: 'leader-changed',
  NotLeader: 'not-leader',
  Timeout: 'timeout',
  QueueFull: 'queue-full',
} as const;
export type ReadFailureReason = (typeof ReadFailureReason)[keyof typeof ReadFailureReason];

export interface ReadFailure {
  readonly context: string;
  readonly reason: ReadFailureReason;
}

export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
}

export interface Ready {
  /** Present when role or leader changed since the last Ready. */
  readonly softState: SoftState | null;
  /** Present when term, vote or commit changed: persist it. */
  readonly hardState: HardState | null;
  /**
   * Snapshot received from the leader: persist it (dropping every stored entry) and restore
   * the state machine from it before applying committedEntries.
   */
  readonly snapshot: Snapshot | null;
  /** Entries to persist (contiguous; overwrite stored entries from entries[0].index on). */
  readonly entries: readonly Entry[];
  /** Entries committed and not yet applied, in index order. Apply after persisting. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send after persisting. */
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly readFailures: readonly ReadFailure[];
  /** True when hardState, entries or snapshot must be fsynced before messages leave. */
  readonly mustSync: boolean;
  /**
   * A leader's Ready with no term, vote or snapshot change: its messages (appends of its own
   * entries, heartbeats, read answers) may leave before its write completes. The leader counts
   * itself toward a commit only for entries advance() reported durable, so its appends travel
   * while it writes them (Raft thesis 10.2.1); commits still need a durable quorum.
   */
  readonly leaderMaySendFirst: boolean;
}

/** What a node recovered from stable storage at start. */
export interface RestoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /**
   * Stored entries, contiguous. With a snapshot, entries[0].index <= snapshot.index + 1
   * (a tail kept behind the snapshot for lagging followers is allowed).
   */
  readonly entries: readonly Entry[];
}

export const ProgressState = {
  Probe: 'probe',
  Replicate: 'replicate',
  Snapshot: 'snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export interface PeerProgress {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
  readonly recentActive: boolean;
}

/** Role, leader and term: what request routing needs, without status()'s progress views. */
export interface RoleInfo {
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly term: number;
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly voters: readonly NodeId[];
  /** Non-voting members of the configuration in effect. */
  readonly learners: readonly NodeId[];
  /** Application-defined addresses of members added by configuration changes. */
  readonly addresses: Readonly<Record<NodeId, string>>;
  /** Index of the latest configuration change in the log (0: none since the snapshot). */
  readonly confIndex: number;
  /** Present on the leader only. */
  readonly progress: readonly PeerProgress[];
  readonly transferee: NodeId | null;
}

export const RaftErrorCode = {
  NotLeader: 'RAFT_ERR_NOT_LEADER',
  TransferInProgress: 'RAFT_ERR_TRANSFER_IN_PROGRESS',
  ProposalQueueFull: 'RAFT_ERR_PROPOSAL_QUEUE_FULL',
  ProposalTooLarge: 'RAFT_ERR_PROPOSAL_TOO_LARGE',
  UnknownPeer: 'RAFT_ERR_UNKNOWN_PEER',
  SnapshotOutOfDate: 'RAFT_ERR_SNAPSHOT_OUT_OF_DATE',
  /** A configuration change is appended and not yet committed: one at a time. */
  ConfChangeInProgress: 'RAFT_ERR_CONF_CHANGE_IN_PROGRESS',
  /** The leader has not yet committed an entry of its term (dissertation §4.1 fix): retry shortly. */
  LeaderNotReady: 'RAFT_ERR_LEADER_NOT_READY',
  /** The change does not apply to the configuration in effect (already a member, not a learner, ...). */
  ConfChangeInvalid: 'RAFT_ERR_CONF_CHANGE_INVALID',
  /** Promotion of a learner whose log is behind the leader's commit index. */
  LearnerNotCaughtUp: 'RAFT_ERR_LEARNER_NOT_CAUGHT_UP',
} as const;
export type RaftErrorCode = (typeof RaftErrorCode)[keyof typeof RaftErrorCode];

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly code: RaftErrorCode; readonly leader: NodeId | null };

export type ConfChangeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly code: RaftErrorCode; readonly leader: NodeId | null; readonly reason: string };

export type TransferResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: RaftErrorCode; readonly leader: NodeId | null };
