import { status as GrpcStatus } from '@grpc/grpc-js';

/** Why an incoming peer request was refused. Each reason has its own counter in `stats()`. */
export const RejectReason = {
  WrongCluster: 'wrong-cluster',
  BadToken: 'bad-token',
  UnknownNode: 'unknown-node',
  WrongRecipient: 'wrong-recipient',
  Malformed: 'malformed',
  OutOfRange: 'out-of-range',
  TooLarge: 'too-large',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export const rejectReasons: readonly RejectReason[] = Object.values(RejectReason);

/**
 * The only error the codec and header checks throw for bad input. Anything else escaping
 * them is a programmer error.
 */
export class TransportRejection extends Error {
  readonly code = 'RAFT_ERR_TRANSPORT_REJECTED';

  constructor(
    readonly reason: RejectReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'TransportRejection';
  }
}

/** gRPC status for a rejection: the one place reasons map to codes. */
export function grpcStatusFor(reason: RejectReason): GrpcStatus {
  switch (reason) {
    case RejectReason.WrongCluster:
    case RejectReason.BadToken:
      return GrpcStatus.UNAUTHENTICATED;
    case RejectReason.TooLarge:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case RejectReason.UnknownNode:
    case RejectReason.WrongRecipient:
    case RejectReason.Malformed:
    case RejectReason.OutOfRange:
      return GrpcStatus.INVALID_ARGUMENT;
  }
}
