import { Metadata, status as GrpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { MessageType, type Message, type NodeId } from '../core/types.js';
import { encodeBody, encodeEnvelope, encodeHeader, envelopeBodyOf, type EnvelopeMessage, type HeaderWire } from './codec.js';
import { RaftMethod, raftServiceDefinition } from './raft-proto.js';
import { SnapshotStreamer } from './snapshot-streamer.js';
import { requestOverheadBytes, type ResolvedTransportOptions } from './transport-options.js';
import type { TransportCounters } from './transport-stats.js';
import type { TransportHooks } from './transport.js';

/** Per-message framing estimate used to keep a batch under maxMessageBytes. */
const messageOverheadBytes = 64;
const entryOverheadBytes = 32;

export function estimateMessageBytes(message: EnvelopeMessage): number {
  if (message.type === MessageType.Append) {
    let bytes = messageOverheadBytes;
    for (const entry of message.entries) bytes += entry.data.byteLength + entryOverheadBytes;
    return bytes;
  }
  if (message.type === MessageType.ReadIndex || message.type === MessageType.ReadIndexResp) {
    return messageOverheadBytes + Buffer.byteLength(message.context, 'utf8');
  }
  return messageOverheadBytes;
}

/** Single messages of these kinds use their named RPC; anything else goes as a Batch. */
const namedRpcs: Partial<Record<ReturnType<typeof envelopeBodyOf>, RaftMethod>> = {
  append: RaftMethod.AppendEntries,
  vote: RaftMethod.RequestVote,
  timeout_now: RaftMethod.TimeoutNow,
  read_index: RaftMethod.ReadIndex,
};

export interface PeerSenderContext {
  readonly selfId: NodeId;
  readonly peer: NodeId;
  readonly client: Client;
  readonly options: ResolvedTransportOptions;
  readonly counters: TransportCounters;
  readonly hooks: TransportHooks;
  /** Identifies this transport incarnation to receivers (reorder buffer). */
  readonly senderEpoch: string;
}

/**
 * Sends to one peer: a bounded FIFO queue (oldest dropped when full), drained into at most
 * `maxInflightCallsPerPeer` concurrent calls, consecutive messages packed into one Batch.
 * A failed call drops the queue behind it (see #failed). Calls fail fast while the channel
 * is disconnected (no waitForReady): the core learns at once and the channel redials with
 * the tuned backoff in the background.
 * Each call carries seq and seq floor so the receiver can restore order. Snapshots go
 * through their own lane (one stream at a time) and do not block the queue.
 */
export class PeerSender {
  #queue: Message[] = [];
  #head = 0;
  #inflight = 0;
  #nextSeq = 1;
  readonly #pendingSeqs = new Set<number>();
  readonly #calls = new Set<{ cancel(): void }>();
  readonly #snapshots: SnapshotStreamer;
  #closed = false;

  constructor(private readonly ctx: PeerSenderContext) {
    this.#snapshots = new SnapshotStreamer(ctx, () => this.#header(0, 0));
  }

  get queuedMessages(): number {
    return this.#queue.length - this.#head;
  }

  enqueue(message: Message): void {
    if (this.#closed) return;
    this.#queue.push(message);
    if (this.queuedMessages > this.ctx.options.maxQueuedMessagesPerPeer) {
      this.#head += 1;
      this.ctx.counters.values.droppedQueueFull += 1;
      this.#reportUnreachable();
    }
  }

  /** Start calls while the window allows. */
  pump(): void {
    while (!this.#closed && this.#inflight < this.ctx.options.maxInflightCallsPerPeer && this.queuedMessages > 0) {
      const first = this.#queue[this.#head];
      if (first === undefined) throw new Error('peer queue: head out of bounds');
      if (first.type === MessageType.Snapshot) {
        this.#head += 1;
        this.#snapshots.send(first);
        continue;
      }
      const batch = this.#takeBatch();
      if (batch.length > 0) this.#issue(batch);
    }
    this.#compact();
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    for (const call of this.#calls) call.cancel();
    this.#calls.clear();
    this.#snapshots.close();
  }

  #takeBatch(): EnvelopeMessage[] {
    const { batch, head, droppedTooLarge } = takeBatch(this.#queue, this.#head, this.ctx);
    this.#head = head;
    if (droppedTooLarge) this.#reportUnreachable();
    return batch;
  }

  #header(seq: number, seqFloor: number): HeaderWire {
    const { options, selfId, peer, senderEpoch } = this.ctx;
    return encodeHeader({ clusterId: options.clusterId, token: options.clusterToken, from: selfId, to: peer, senderEpoch, seq, seqFloor });
  }

  #issue(batch: readonly EnvelopeMessage[]): void {
    const seq = this.#nextSeq++;
    this.#pendingSeqs.add(seq);
    const header = this.#header(seq, Math.min(...this.#pendingSeqs));
    const only = batch.length === 1 ? batch[0] : undefined;
    const named = only === undefined ? undefined : namedRpcs[envelopeBodyOf(only)];
    const [methodName, request] =
      only !== undefined && named !== undefined
        ? [named, { header, message: encodeBody(only) }]
        : [RaftMethod.Batch, { header, messages: batch.map(encodeEnvelope) }];
    const method = raftServiceDefinition()[methodName];
    if (method === undefined) throw new Error(`raft.proto lacks method ${methodName}`);
    this.#inflight += 1;
    this.ctx.counters.values.sentCalls += 1;
    const call = this.ctx.client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new Metadata(),
      { deadline: Date.now() + this.ctx.options.callDeadlineMs },
      (error: ServiceError | null) => {
        this.#calls.delete(call);
        this.#inflight -= 1;
        this.#pendingSeqs.delete(seq);
        if (this.#closed) return;
        if (error === null) this.ctx.counters.values.sentMessages += batch.length;
        else this.#failed(error, batch.length);
        this.pump();
      },
    );
    this.#calls.add(call);
  }

  /**
   * A call failed: report the peer unreachable and drop what is queued behind it. The core
   * moves the peer to probing and resends from its match index, so delivering the backlog
   * later (possibly seconds stale) would only waste bandwidth.
   */
  #failed(error: ServiceError, messages: number): void {
    const { logger } = this.ctx.options;
    this.ctx.counters.values.droppedAfterFailure += this.#dropQueued();
    const rejected = [GrpcStatus.UNAUTHENTICATED, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.RESOURCE_EXHAUSTED].includes(error.code);
    const fields = { peer: this.ctx.peer, code: GrpcStatus[error.code], details: error.details, messages };
    if (rejected) logger?.warn(fields, 'peer rejected raft messages (cluster id, token or limits differ?)');
    else logger?.debug(fields, 'raft messages not delivered');
    this.#reportUnreachable();
  }

  /** Drop every queued non-snapshot message; returns how many. Snapshots still go. */
  #dropQueued(): number {
    const kept = this.#queue.slice(this.#head).filter((m) => m.type === MessageType.Snapshot);
    const dropped = this.queuedMessages - kept.length;
    this.#queue = kept;
    this.#head = 0;
    return dropped;
  }

  #reportUnreachable(): void {
    this.ctx.counters.values.unreachable += 1;
    this.ctx.hooks.onUnreachable(this.ctx.peer);
  }

  /** Reclaim the consumed prefix of the queue once it dominates the array. */
  #compact(): void {
    if (this.#head > 0 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The next batch to send from `queue[head..]`: consecutive non-snapshot messages within
 * maxMessagesPerBatch and the byte budget of one request. A single message over the budget is
 * dropped and counted (`droppedTooLarge`: the caller reports the peer unreachable after moving
 * its head). Returns the batch and the new head.
 */
export function takeBatch(
  queue: readonly Message[],
  head: number,
  ctx: PeerSenderContext,
): { batch: EnvelopeMessage[]; head: number; droppedTooLarge: boolean } {
  const { maxMessagesPerBatch, maxMessageBytes } = ctx.options;
  const budgetBytes = maxMessageBytes - requestOverheadBytes;
  const batch: EnvelopeMessage[] = [];
  let bytes = 0;
  let at = head;
  while (batch.length < maxMessagesPerBatch && at < queue.length) {
    const next = queue[at];
    if (next === undefined || next.type === MessageType.Snapshot) break;
    const size = estimateMessageBytes(next);
    if (batch.length === 0 && size > budgetBytes) {
      ctx.counters.values.droppedTooLarge += 1;
      ctx.options.logger?.error({ peer: ctx.peer, type: next.type, sizeBytes: size, budgetBytes }, 'raft message larger than maxMessageBytes dropped');
      return { batch, head: at + 1, droppedTooLarge: true };
    }
    if (bytes + size > budgetBytes) break;
    bytes += size;
    batch.push(next as EnvelopeMessage);
    at += 1;
  }
  return { batch, head: at, droppedTooLarge: false };
}
