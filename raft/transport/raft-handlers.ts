import { status as GrpcStatus } from '@grpc/grpc-js';
import type {
  sendUnaryData,
  ServerReadableStream,
  ServerUnaryCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Message, SnapshotMessage } from '../core/types.js';
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
  /** An authenticated snapshot and its data chunks (TransportHooks.receiveSnapshot). */
  receiveSnapshot(message: SnapshotMessage, chunks: AsyncIterable<Uint8Array>): Promise<void>;
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

/**
 * InstallSnapshot: check the start chunk and authenticate it, then hand the message (empty
 * data) and the checked data chunks, as they arrive, to `receiveSnapshot` (which spools them to
 * disk). The stream's backpressure holds the sender while the receiver writes. Acknowledged once
 * the receiver has taken the whole snapshot; refused with UNAVAILABLE if it could not.
 */
function receiveSnapshot(
  ctx: RaftHandlerContext,
  call: ServerReadableStream<unknown, unknown>,
  callback: sendUnaryData<unknown>,
  reject: (error: unknown, peerAddress: string) => { code: number; details: string },
): void {
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true; // the client learns through its own status
  });
  takeSnapshotStream(ctx, call).then(
    () => {
      ctx.counters.values.receivedCalls += 1;
      ctx.counters.values.snapshotsReceived += 1;
      callback(null, {});
    },
    (error: unknown) => {
      if (cancelled) return;
      if (error instanceof TransportRejection) {
        callback(reject(error, call.getPeer()), null);
        return;
      }
      const details = `snapshot not taken: ${error instanceof Error ? error.message : String(error)}`;
      ctx.logger?.warn({ peerAddress: call.getPeer(), details }, 'incoming snapshot failed');
      callback({ code: GrpcStatus.UNAVAILABLE, details }, null);
    },
  );
}

async function takeSnapshotStream(ctx: RaftHandlerContext, call: ServerReadableStream<unknown, unknown>): Promise<void> {
  const assembler = new SnapshotAssembler(ctx.snapshotLimits);
  const incoming = (call as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const checked = (value: unknown): unknown => {
    if (value instanceof RejectedRequest) throw value.rejection;
    return value;
  };
  const first = await incoming.next();
  if (first.done === true) throw new TransportRejection(RejectReason.Malformed, 'snapshot stream ended before its start chunk');
  const start = assembler.accept(checked(first.value));
  if (!('header' in start)) throw new TransportRejection(RejectReason.Malformed, 'first snapshot chunk must be start');
  ctx.auth.verify(start.header);
  const message = assembler.message({ from: start.header.from, to: start.header.to });
  async function* data(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = await incoming.next();
      if (next.done === true) break;
      const part = assembler.accept(checked(next.value));
      if (!('data' in part)) throw new TransportRejection(RejectReason.Malformed, 'start chunk sent twice');
      yield part.data;
    }
    assembler.finish();
  }
  await ctx.receiveSnapshot(message, data());
}
