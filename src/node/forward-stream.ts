import { status as GrpcStatus, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { ForwardTradeReply, ForwardTradesRequest } from './bazaar-rpc.js';

/**
 * A follower's trades to one leader over one long-lived `ForwardTradeStream` (proto/bazaar.proto).
 *
 * Why a stream: a unary call is a new HTTP/2 stream per batch, and its answer is only complete
 * when the leader's trailers arrive. Measured at 3136150, the leader wrote those trailers 2.6 ms
 * after the reply's data (at its next I/O wake-up), and an in-process unary round trip took
 * 0.48-0.55 ms against 0.13-0.17 ms for a message on an open stream. On the stream each batch is
 * one message carrying a batch id; the leader answers each when its trades are done, in any order.
 *
 * What a failure means for a batch, as for the unary call it replaces:
 * - the stream never got a connection (UNAVAILABLE "No connection established"): nothing was
 *   sent; the error reaches the caller as is, and the caller retries (raft-backend.ts neverSent);
 * - the stream broke or ended with batches unanswered: they may or may not have executed;
 * - a batch's deadline passed: it may or may not have executed (a late answer is dropped);
 * - UNIMPLEMENTED: the leader runs a version without the stream, which executed nothing; the
 *   batches go again as unary ForwardTrades calls, and so does every later batch to this peer.
 */
export class ForwardStream {
  #call: ClientDuplexStream<ForwardTradesRequest, WireReply> | null = null;
  readonly #pending = new Map<number, PendingBatch>();
  #nextBatchId = 1;
  #unsupported = false;
  #closed = false;

  constructor(
    private readonly open: () => ClientDuplexStream<ForwardTradesRequest, WireReply>,
    private readonly unary: (request: ForwardTradesRequest, deadlineAtMs: number) => Promise<readonly ForwardTradeReply[]>,
    private readonly batchesInFlightMax: number,
  ) {
    if (!Number.isInteger(batchesInFlightMax) || batchesInFlightMax < 1) throw new Error(`batchesInFlightMax must be an integer >= 1, got ${batchesInFlightMax}`);
  }

  send(request: ForwardTradesRequest, deadlineAtMs: number): Promise<readonly ForwardTradeReply[]> {
    if (this.#closed) return Promise.reject(new Error('the forward stream is closed'));
    if (this.#unsupported) return this.unary(request, deadlineAtMs);
    if (this.#pending.size >= this.batchesInFlightMax) {
      // The caller bounds its trades in flight below this; reaching it is a bug there.
      return Promise.reject(new Error(`${this.#pending.size} forwarded batches in flight on one stream, the bound is ${this.batchesInFlightMax}; the batch was not sent`));
    }
    const call = this.#call ?? this.#openCall();
    const batchId = this.#nextBatchId;
    this.#nextBatchId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#pending.get(batchId)?.call !== call) return;
        this.#pending.delete(batchId);
        reject(Object.assign(new Error('forwarded batch deadline exceeded'), { code: GrpcStatus.DEADLINE_EXCEEDED }));
      }, Math.max(1, deadlineAtMs - Date.now()));
      this.#pending.set(batchId, { call, request, deadlineAtMs, timer, resolve, reject });
      call.write({ ...request, batch_id: batchId });
    });
  }

  /** Ends the stream; batches still unanswered fail (they may or may not have executed). */
  close(): void {
    this.#closed = true;
    const call = this.#call;
    this.#call = null;
    if (call !== null) {
      this.#failPending(call, new Error('the forward stream was closed'));
      call.cancel();
    }
  }

  #openCall(): ClientDuplexStream<ForwardTradesRequest, WireReply> {
    const call = this.open();
    this.#call = call;
    call.on('data', (reply: WireReply) => this.#answered(call, reply));
    call.on('error', (err: ServiceError) => this.#ended(call, err));
    call.on('status', (st: { code: GrpcStatus; details: string }) => {
      if (st.code === GrpcStatus.OK) this.#ended(call, Object.assign(new Error('the leader ended the forward stream'), { code: GrpcStatus.UNKNOWN, details: 'ended' }));
    });
    return call;
  }

  #answered(call: ClientDuplexStream<ForwardTradesRequest, WireReply>, reply: WireReply): void {
    const batchId = Number(reply.batch_id);
    const batch = this.#pending.get(batchId);
    if (batch === undefined || batch.call !== call) return; // its deadline passed
    this.#pending.delete(batchId);
    clearTimeout(batch.timer);
    batch.resolve(reply.replies ?? []);
  }

  #ended(call: ClientDuplexStream<ForwardTradesRequest, WireReply>, err: Partial<ServiceError>): void {
    if (this.#call === call) this.#call = null;
    if (err.code === GrpcStatus.UNIMPLEMENTED && !this.#closed) {
      this.#unsupported = true;
      for (const [batchId, batch] of this.#pending) {
        if (batch.call !== call) continue;
        this.#pending.delete(batchId);
        clearTimeout(batch.timer);
        this.unary(batch.request, batch.deadlineAtMs).then(batch.resolve, batch.reject);
      }
      return;
    }
    this.#failPending(call, err);
  }

  #failPending(call: ClientDuplexStream<ForwardTradesRequest, WireReply>, err: unknown): void {
    for (const [batchId, batch] of this.#pending) {
      if (batch.call !== call) continue;
      this.#pending.delete(batchId);
      clearTimeout(batch.timer);
      batch.reject(err);
    }
  }
}

/** A ForwardTradeStream reply as received (uint64 batch ids arrive as strings). */
export interface WireReply {
  readonly batch_id: string | number;
  readonly replies?: readonly ForwardTradeReply[];
}

interface PendingBatch {
  readonly call: ClientDuplexStream<ForwardTradesRequest, WireReply>;
  readonly request: ForwardTradesRequest;
  readonly deadlineAtMs: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (replies: readonly ForwardTradeReply[]) => void;
  readonly reject: (err: unknown) => void;
}
