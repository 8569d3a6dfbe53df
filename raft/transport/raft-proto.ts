import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { RejectReason, TransportRejection } from './rejection.js';

/**
 * Loads proto/raft.proto once. uint64 fields come back as decimal strings (validated to safe
 * integers by the codec), enums as names, unset fields as defaults, oneofs with a virtual
 * field naming the member that is set.
 */
export const raftProtoPath = fileURLToPath(new URL('../../proto/raft.proto', import.meta.url));

export const raftProtoLoaderOptions: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const raftServiceName = 'bazaar.raft.Raft';

export const RaftMethod = {
  AppendEntries: 'AppendEntries',
  RequestVote: 'RequestVote',
  TimeoutNow: 'TimeoutNow',
  ReadIndex: 'ReadIndex',
  Batch: 'Batch',
  InstallSnapshot: 'InstallSnapshot',
  Stream: 'Stream',
} as const;
export type RaftMethod = (typeof RaftMethod)[keyof typeof RaftMethod];

let cached: ServiceDefinition | null = null;

export function raftServiceDefinition(): ServiceDefinition {
  if (cached === null) {
    const pkg = loadSync(raftProtoPath, raftProtoLoaderOptions);
    const service = pkg[raftServiceName];
    if (service === undefined || !(RaftMethod.Stream in service)) {
      throw new Error(`${raftProtoPath} does not define service ${raftServiceName}`);
    }
    cached = service as ServiceDefinition;
  }
  return cached;
}

/** What a guarded deserializer returns instead of throwing: the handler turns it into a status. */
export class RejectedRequest {
  constructor(readonly rejection: TransportRejection) {}
}

/**
 * The Raft service definition with request deserializers that never throw: oversized bytes
 * (above `maxMessageBytes`) and undecodable bytes become a RejectedRequest, which the handler
 * counts and answers with RESOURCE_EXHAUSTED or INVALID_ARGUMENT. (grpc-js would answer a
 * throwing deserializer with INTERNAL and no way to count it.)
 */
export function guardedRaftServiceDefinition(maxMessageBytes: number): ServiceDefinition {
  const guarded: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(raftServiceDefinition())) {
    const decode = method.requestDeserialize;
    guarded[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        if (bytes.byteLength > maxMessageBytes) {
          return new RejectedRequest(new TransportRejection(RejectReason.TooLarge, `request of ${bytes.byteLength} bytes, max ${maxMessageBytes}`));
        }
        try {
          return decode(bytes);
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          return new RejectedRequest(new TransportRejection(RejectReason.Malformed, `undecodable protobuf: ${detail}`));
        }
      },
    };
  }
  return guarded as ServiceDefinition;
}
