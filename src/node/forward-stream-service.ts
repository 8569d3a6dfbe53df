import { status as GrpcStatus, type ServerDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { ForwardTradesReply, ForwardTradesRequest, RpcHeader } from './bazaar-rpc.js';

/**
 * Leader side of `ForwardTradeStream` (src/node/forward-stream.ts is the sender): every message
 * is authenticated by its header like a unary call, runs as one ForwardTrades batch, and is
 * answered with its batch id as soon as its trades are done, so a slow batch holds back no other.
 * A stream carries at most `batchesInFlightMax` unanswered batches (a conforming sender stays
 * below it); more, a bad header or a handler that throws (it answers failures in its replies and
 * never throws) ends the stream with an error status, and the sender treats every batch it has
 * not been answered as possibly executed. When the sender half-closes, the stream ends once the
 * batches in flight are answered.
 */
export function serveForwardStream(
  call: ServerDuplexStream<ForwardTradesRequest, ForwardTradesReply>,
  check: (header: RpcHeader | undefined | null) => string | null,
  forwardTrades: (request: ForwardTradesRequest) => Promise<ForwardTradesReply>,
  batchesInFlightMax: number,
): void {
  let inFlight = 0;
  let halfClosed = false;
  let done = false;
  const fail = (code: GrpcStatus, details: string): void => {
    if (done) return;
    done = true;
    call.emit('error', { code, details } satisfies Partial<ServiceError>);
  };
  const endIfIdle = (): void => {
    if (!done && halfClosed && inFlight === 0) {
      done = true;
      call.end();
    }
  };
  call.on('data', (batch: ForwardTradesRequest) => {
    if (done) return;
    const reason = check(batch.header);
    if (reason !== null) return fail(GrpcStatus.UNAUTHENTICATED, reason);
    if (inFlight >= batchesInFlightMax) return fail(GrpcStatus.RESOURCE_EXHAUSTED, `more than ${batchesInFlightMax} forwarded batches in flight on one stream`);
    inFlight += 1;
    forwardTrades({ header: batch.header, trades: batch.trades ?? [] }).then(
      (reply) => {
        inFlight -= 1;
        if (done) return;
        call.write({ batch_id: batch.batch_id ?? 0, replies: reply.replies });
        endIfIdle();
      },
      (err: unknown) => {
        inFlight -= 1;
        fail(GrpcStatus.INTERNAL, (err as Error).message ?? 'internal error');
      },
    );
  });
  call.on('end', () => {
    halfClosed = true;
    endIfIdle();
  });
  call.on('cancelled', () => {
    done = true;
  });
  call.on('error', () => {
    done = true;
  });
}
