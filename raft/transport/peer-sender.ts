import { Metadata, status as GrpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { MessageType, type Message, type NodeId } from '../core/types.js';
import { encodeBody, encodeEnvelope, encodeHeader, envelopeBodyOf, type EnvelopeMessage, type HeaderWire } from './codec.js';
import { RaftMethod, raftServiceDefinition } from './raft-proto.js';
import { PeerQueue } from './peer-queue.js';
import { SnapshotStreamer } from './snapshot-streamer.js';
import type { ResolvedTransportOptions } from './transport-options.js';
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
  readonly #queue: PeerQueue;
  #inflight = 0;
  #nextSeq = 1;
  readonly #pendingSeqs = new Set<number>();
  readonly #calls = new Set<{ cancel(): void }>();
  readonly #snapshots: SnapshotStreamer;
  #closed = false;

  constructor(private readonly ctx: PeerSenderContext) {
    this.#snapshots = new SnapshotStreamer(ctx, () => this.#header(0, 0));
    this.#queue = new PeerQueue(ctx, () => this.#reportUnreachable());
  }

  get queuedMessages(): number {
    return this.#queue.size;
  }

  enqueue(message: Message): void {
    if (this.#closed) return;
    this.#queue.enqueue(message);
  }

  /** Start calls while the window allows. */
  pump(): void {
    while (!this.#closed && this.#inflight < this.ctx.options.maxInflightCallsPerPeer && this.queuedMessages > 0) {
      const next = this.#queue.next();
      if (next === null) break;
      if ('snapshot' in next) {
        this.#snapshots.send(next.snapshot);
        continue;
      }
      if (next.batch.length > 0) this.#issue(next.batch);
    }
    this.#queue.compact();
  }

  close(): void {
    this.#closed = true;
    this.#queue.clear();
    for (const call of this.#calls) call.cancel();
    this.#calls.clear();
    this.#snapshots.close();
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
    this.ctx.counters.values.droppedAfterFailure += this.#queue.dropNonSnapshots();
    const rejected = [GrpcStatus.UNAUTHENTICATED, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.RESOURCE_EXHAUSTED].includes(error.code);
    const fields = { peer: this.ctx.peer, code: GrpcStatus[error.code], details: error.details, messages };
    if (rejected) logger?.warn(fields, 'peer rejected raft messages (cluster id, token or limits differ?)');
    else logger?.debug(fields, 'raft messages not delivered');
    this.#reportUnreachable();
  }

  #reportUnreachable(): void {
    this.ctx.counters.values.unreachable += 1;
    this.ctx.hooks.onUnreachable(this.ctx.peer);
  }
}

