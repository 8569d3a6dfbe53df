import type {
  sendUnaryData,
  ServerReadableStream,
  ServerUnaryCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Message } from '../core/types.js';
import { decodeBatch, decodeBody, decodeHeader, type CodecLimits, type EnvelopeBody, type Route, type WireHeader } from './codec.js';
import type { HeaderAuthenticator } from './header-auth.js';
import { RaftMethod, RejectedRequest } from './raft-proto.js';
import { grpcStatusFor, RejectReason, TransportRejection } from './rejection.js';
import { SnapshotAssembler, type SnapshotLimits } from './snapshot-codec.js';
import { receiveStream } from './stream-handler.js';
import type { TransportLogger } from './transport-options.js';
import type { TransportCounters } from './transport-stats.js';
import { readArray, readObject, type WireObject } from './wire-read.js';

/** At most one log line per rejection reason per interval (a flood must not flood the log). */
const rejectionLogIntervalMs = 1000;

export interface RaftHandlerContext {
  readonly auth: HeaderAuthenticator;
  readonly limits: CodecLimits;
  readonly snapshotLimits: SnapshotLimits;
  readonly counters: TransportCounters;
  readonly logger: TransportLogger | null;
  /** Accepted messages of one call, in order, with the call's header (for reordering). */
  deliver(header: WireHeader, messages: readonly Message[]): void;
}

type Decode = (request: WireObject, route: Route, limits: CodecLimits) => Message[];

function single(body: EnvelopeBody): Decode {
  return (request, route, limits) => [decodeBody(body, request['message'], route, limits)];
}

const decodeBatchRequest: Decode = (request, route, limits) =>
  decodeBatch(readArray(request, 'messages', 'request', limits.maxMessagesPerBatch), route, limits);

/**
 * Server side of the Raft service: authenticate the header, decode strictly, acknowledge,
 * then deliver. Every rejection is counted by reason and answered with its gRPC status.
 */
export function createRaftHandlers(ctx: RaftHandlerContext): UntypedServiceImplementation {
  const lastLoggedMs = new Map<RejectReason, number>();
  const reject = (error: unknown, peerAddress: string): { code: number; details: string } => {
    if (!(error instanceof TransportRejection)) throw error;
    ctx.counters.reject(error.reason);
    const now = Date.now();
    if (now - (lastLoggedMs.get(error.reason) ?? 0) >= rejectionLogIntervalMs) {
      lastLoggedMs.set(error.reason, now);
      ctx.logger?.warn({ reason: error.reason, peerAddress, detail: error.message }, 'raft request rejected');
    }
    return { code: grpcStatusFor(error.reason), details: error.message };
  };

  const unary = (decode: Decode) => (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    let accepted: { header: WireHeader; messages: Message[] };
    try {
      if (call.request instanceof RejectedRequest) throw call.request.rejection;
      const request = readObject(call.request, 'request');
      const header = decodeHeader(request['header']);
      ctx.auth.verify(header);
      accepted = { header, messages: decode(request, { from: header.from, to: header.to }, ctx.limits) };
    } catch (error) {
      callback(reject(error, call.getPeer()), null);
      return;
    }
    ctx.counters.values.receivedCalls += 1;
    callback(null, {});
    ctx.deliver(accepted.header, accepted.messages);
  };

  return {
    [RaftMethod.AppendEntries]: unary(single('append')),
    [RaftMethod.RequestVote]: unary(single('vote')),
    [RaftMethod.TimeoutNow]: unary(single('timeout_now')),
    [RaftMethod.ReadIndex]: unary(single('read_index')),
    [RaftMethod.Batch]: unary(decodeBatchRequest),
    [RaftMethod.InstallSnapshot]: (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) =>
      receiveSnapshot(ctx, call, callback, reject),
    [RaftMethod.Stream]: (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) =>
      receiveStream(ctx, call, callback, reject),
  };
}

function receiveSnapshot(
  ctx: RaftHandlerContext,
  call: ServerReadableStream<unknown, unknown>,
  callback: sendUnaryData<unknown>,
  reject: (error: unknown, peerAddress: string) => { code: number; details: string },
): void {
  const assembler = new SnapshotAssembler(ctx.snapshotLimits);
  let header: WireHeader | null = null;
  let done = false;
  const fail = (error: unknown): void => {
    if (done) return;
    done = true;
    callback(reject(error, call.getPeer()), null);
  };
  call.on('data', (chunk: unknown) => {
    if (done) return;
    try {
      if (chunk instanceof RejectedRequest) throw chunk.rejection;
      const started = assembler.accept(chunk);
      if (started !== null) {
        ctx.auth.verify(started);
        header = started;
      }
    } catch (error) {
      fail(error);
    }
  });
  call.on('end', () => {
    if (done) return;
    let accepted: { header: WireHeader; message: Message };
    try {
      if (header === null) throw new TransportRejection(RejectReason.Malformed, 'snapshot stream ended before its start chunk');
      accepted = { header, message: assembler.finish({ from: header.from, to: header.to }) };
    } catch (error) {
      fail(error);
      return;
    }
    done = true;
    ctx.counters.values.receivedCalls += 1;
    ctx.counters.values.snapshotsReceived += 1;
    callback(null, {});
    ctx.deliver(accepted.header, [accepted.message]);
  });
  call.on('error', () => {
    done = true; // cancelled or deadline: the client learns through its own status
  });
}
