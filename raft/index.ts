/**
 * Public API of the Raft library. `src/` (and anything outside raft/) imports from here only.
 *   core      pure, deterministic Raft state machine (RaftCore) and its types
 *   driver    RaftNode: persist -> send -> apply -> advance around a RaftCore
 *   storage   LogStorage (the interface the driver writes through) and its implementations:
 *             LevelLogStorage (LevelDB, synced batches; what nodes run) and MemoryLogStorage
 *             (in memory over a MemoryDisk that loses unsynced writes on a simulated power loss)
 *   transport RaftTransport interface and the gRPC implementation
 */
export * from './core/types.js';
export type { RaftCoreApi } from './core/api.js';
export { RaftCore } from './core/raft-core.js';
export { type RaftConfig, defaultRaftConfig, makeRaftConfig, validateRaftConfig } from './core/config.js';
export { type Rng, createRng } from '../common/rng.js';

export {
  RaftNode,
  type LeaderChangeEvent,
  type ProposalOutcome,
  type RaftNodeEvents,
  type RaftNodeStatus,
  type MembersView,
} from './driver/raft-node.js';
export {
  ConfChangeType,
  type ConfChange,
  type ConfState,
  confChangeProblem,
  MAX_CONF_FIELD_BYTES,
} from './core/conf-change.js';
export { type RaftNodeOptions, defaultDriverOptions, resolveDriverOptions } from './driver/raft-node-options.js';
export { RaftDriverErrorCode, RaftError, isRaftError } from './errors/raft-errors.js';
export { type RaftLogger, createStderrLogger, silentLogger } from './driver/raft-logger.js';
export type { RaftMetricsHooks } from './driver/raft-metrics.js';
export type { Checkpoint, StateMachine } from './driver/state-machine.js';
/** In-process network for tests of code built on RaftNode (not for production). */
export { MemoryNetwork } from './driver/memory-transport.js';
export { MemorySnapshotSpool, SnapshotSpool, type SnapshotSpoolStore } from './driver/snapshot-spool.js';

export { type LogStorage, type ReadyWrite } from './storage/log-storage.js';
export { type FsyncSample, type LevelLogStorageOptions, LevelLogStorage } from './storage/level-log-storage.js';
export { type LogDisk, type StoredLog, MemoryLogStorage, newLogDisk } from './storage/memory-log-storage.js';
export { MemoryDisk } from './storage/memory-disk.js';
export { type RaftRuntime, type TimerHandle, processRuntime } from './driver/raft-runtime.js';

export type { RaftTransport, TransportHooks } from './transport/transport.js';
/** Listen ports for processes that must know each other's address before they start. */
export { reserveFreePort, reserveFreePorts } from '../common/free-port.js';
export {
  GrpcTransport,
  type ExtraService,
  type GrpcTransportOptions,
  HeaderAuthenticator,
  type PeerHeader,
  TransportRejection,
  type TransportLogger,
  type TransportStats,
  transportDefaults,
} from './transport/index.js';
