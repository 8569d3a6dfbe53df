export type { RaftTransport, TransportHooks } from './transport.js';
export { GrpcTransport } from './grpc-transport.js';
export {
  resolveTransportOptions,
  transportDefaults,
  type ExtraService,
  type GrpcTransportOptions,
  type ResolvedTransportOptions,
  type SendMode,
  type TransportLogger,
} from './transport-options.js';
export type { TransportStats } from './transport-stats.js';
export { RejectReason, TransportRejection, grpcStatusFor } from './rejection.js';
export { HeaderAuthenticator, type PeerHeader } from './header-auth.js';
export {
  decodeBatch,
  decodeBody,
  decodeEnvelope,
  decodeHeader,
  encodeBody,
  encodeEnvelope,
  encodeHeader,
  envelopeBodyOf,
  type CodecLimits,
  type EnvelopeMessage,
  type WireHeader,
} from './codec.js';
export { SnapshotAssembler, snapshotChunks, type SnapshotLimits } from './snapshot-codec.js';
export { raftProtoPath, raftProtoLoaderOptions, raftServiceDefinition, raftServiceName } from './raft-proto.js';
