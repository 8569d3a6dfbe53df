import type { ConfChange } from './conf-change.js';
import type {
  ConfChangeResult,
  Message,
  NodeId,
  ProposeResult,
  Ready,
  Snapshot,
  RoleInfo,
  Status,
  TransferResult,
} from './types.js';

/**
 * The surface of the Raft core (implemented by `RaftCore` in raft-core.ts):
 * `new RaftCore(config: RaftConfig, rng: Rng, restored: RestoredState)`.
 * Every method is synchronous and deterministic given the rng.
 */
export interface RaftCoreApi {
  /** Advance logical time by one tick (heartbeats, election timeouts, read timeouts). */
  tick(): void;
  /** Feed one message received from a peer. Messages for another node or a stale term are ignored. */
  step(message: Message): void;
  /** Append data to the log (leader only). The entry is committed when a later Ready applies it. */
  propose(data: Uint8Array): ProposeResult;
  /**
   * Propose one membership change (leader only; conf-change.ts). It takes effect on each node
   * when appended; at most one is uncommitted at a time.
   */
  proposeConfChange(change: ConfChange): ConfChangeResult;
  /**
   * Request a linearizable read. The answer arrives in a later Ready as a ReadState
   * (serve once applied >= index) or a ReadFailure, always one or the other.
   */
  readIndex(context: string): void;
  /**
   * Lease reads (config.leaseReads): whether the lease that started at `readLeaseTick()` still
   * holds by the driver's clock. Set before feeding inputs; cleared by the core on any role change.
   */
  setReadLease(valid: boolean): void;
  /** Leader: tick at which the latest quorum-confirmed heartbeat round of this term started; else -1. */
  readLeaseTick(): number;
  /** Ask the leader to hand leadership to `to` (TimeoutNow once `to` is caught up). */
  transferLeadership(to: NodeId): TransferResult;
  /** Start an election now (tests and operators). */
  campaign(): void;
  hasReady(): boolean;
  ready(): Ready;
  /** Acknowledge that a Ready was persisted, sent and applied. */
  advance(ready: Ready): void;
  /**
   * The application took a snapshot of its state at `index` (<= applied). The core keeps it
   * for lagging followers and drops log entries up to `index - compactionKeepEntries`.
   * Returns the snapshot (with meta) to persist, and the first index still held.
   */
  compact(index: number, data: Uint8Array): { snapshot: Snapshot; firstIndex: number };
  /** The transport could not deliver to `peer`: fall back to probing. */
  reportUnreachable(peer: NodeId): void;
  /** Outcome of sending a snapshot to `peer`. */
  reportSnapshot(peer: NodeId, ok: boolean): void;
  status(): Status;
  /** Role, leader and term only (cheap: per request). */
  roleInfo(): RoleInfo;
}
