import { Metadata, status as GrpcStatus, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import type { Message } from '../core/types.js';
import { encodeEnvelope, encodeHeader, type EnvelopeMessage, type HeaderWire } from './codec.js';
import { PeerQueue } from './peer-queue.js';
import type { PeerSenderContext } from './peer-sender.js';
import { RaftMethod, raftServiceDefinition } from './raft-proto.js';
import { SnapshotStreamer } from './snapshot-streamer.js';

/** One open `Stream` call to the peer. */
interface PeerStream {
  readonly call: ClientWritableStream<unknown>;
  /** Ended by us at its rotation time; its Ack is awaited before the next stream opens. */
  ending: boolean;
  rotateTimer: NodeJS.Timeout | null;
  drainTimer: NodeJS.Timeout | null;
}

/**
 * Sends to one peer over one long-lived client stream (`Stream` in proto/raft.proto): a
 * bounded FIFO queue (oldest dropped when full) drained into BatchRequests written onto the
 * stream in order. Write backpressure is respected: after `write()` returns false nothing
 * more is written until 'drain'; a stream that does not drain within callDeadlineMs is
 * cancelled. Any stream error reports the peer unreachable and drops the queue (the core
 * resends); the next message opens a new stream, while the channel redials with the tuned
 * backoff (calls fail fast while it is down).
 *
 * Deadlines: each stream is ended after `streamRotateMs` and its Ack (sent by the peer once
 * it has delivered everything on it) awaited before the next stream opens, so rotation keeps
 * order and loses nothing; the stream's own deadline is streamRotateMs + callDeadlineMs.
 * Snapshots go through their own InstallSnapshot lane and do not block the queue.
 */
export class StreamPeerSender {
  readonly #queue: PeerQueue;
  #stream: PeerStream | null = null;
  #waitingDrain = false;
  readonly #snapshots: SnapshotStreamer;
  #closed = false;

  constructor(private readonly ctx: PeerSenderContext) {
    this.#snapshots = new SnapshotStreamer(ctx, () => this.#header());
    this.#queue = new PeerQueue(ctx, () => this.#reportUnreachable());
  }

  get queuedMessages(): number {
    return this.#queue.size;
  }

  enqueue(message: Message): void {
    if (this.#closed) return;
    this.#queue.enqueue(message);
  }

  /** Write queued messages while the stream takes them. */
  pump(): void {
    while (!this.#closed && !this.#waitingDrain && this.#stream?.ending !== true && this.queuedMessages > 0) {
      const next = this.#queue.next();
      if (next === null) break;
      if ('snapshot' in next) {
        this.#snapshots.send(next.snapshot);
        continue;
      }
      if (next.batch.length > 0) this.#write(next.batch);
    }
    this.#queue.compact();
  }

  close(): void {
    this.#closed = true;
    this.#queue.clear();
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null) {
      clearStreamTimers(stream);
      stream.call.cancel();
    }
    this.#snapshots.close();
  }

  #header(): HeaderWire {
    const { options, selfId, peer, senderEpoch } = this.ctx;
    return encodeHeader({ clusterId: options.clusterId, token: options.clusterToken, from: selfId, to: peer, senderEpoch, seq: 0, seqFloor: 0 });
  }

  #write(batch: readonly EnvelopeMessage[]): void {
    const stream = this.#stream ?? this.#open();
    const { counters, options } = this.ctx;
    counters.values.sentCalls += 1;
    counters.values.sentMessages += batch.length;
    if (stream.call.write({ header: this.#header(), messages: batch.map(encodeEnvelope) })) return;
    this.#waitingDrain = true;
    stream.drainTimer = setTimeout(() => {
      options.logger?.debug({ peer: this.ctx.peer, waitedMs: options.callDeadlineMs }, 'raft peer stream did not drain: cancelled');
      stream.call.cancel();
    }, options.callDeadlineMs);
    stream.call.once('drain', () => {
      if (stream.drainTimer !== null) clearTimeout(stream.drainTimer);
      stream.drainTimer = null;
      if (this.#stream !== stream) return;
      this.#waitingDrain = false;
      this.pump();
    });
  }

  #open(): PeerStream {
    const { client, options, counters } = this.ctx;
    const method = raftServiceDefinition()[RaftMethod.Stream];
    if (method === undefined) throw new Error('raft.proto lacks Stream');
    const call = client.makeClientStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      new Metadata(),
      { deadline: Date.now() + options.streamRotateMs + options.callDeadlineMs },
      (error: ServiceError | null) => this.#settled(stream, error),
    );
    call.on('error', () => {}); // the status arrives through the callback
    const stream: PeerStream = { call, ending: false, rotateTimer: null, drainTimer: null };
    stream.rotateTimer = setTimeout(() => this.#rotate(stream), options.streamRotateMs);
    this.#stream = stream;
    counters.values.streamsOpened += 1;
    return stream;
  }

  /** End the stream; the next one opens once the peer has acknowledged everything on this one. */
  #rotate(stream: PeerStream): void {
    stream.rotateTimer = null;
    if (this.#stream !== stream || this.#closed) return;
    stream.ending = true;
    stream.call.end();
  }

  #settled(stream: PeerStream, error: ServiceError | null): void {
    clearStreamTimers(stream);
    if (this.#stream !== stream) return; // closed
    this.#stream = null;
    this.#waitingDrain = false;
    if (this.#closed) return;
    if (error !== null) this.#failed(error);
    else if (stream.ending) this.ctx.counters.values.streamsRotated += 1;
    else this.#failed({ code: GrpcStatus.UNKNOWN, details: 'peer ended the stream without an error' });
    this.pump();
  }

  /**
   * The stream broke: report the peer unreachable and drop what is queued. Batches written
   * onto the broken stream may or may not have been delivered; the core resends from the
   * peer's match index either way.
   */
  #failed(error: Pick<ServiceError, 'code' | 'details'>): void {
    const { logger } = this.ctx.options;
    this.ctx.counters.values.droppedAfterFailure += this.#queue.dropNonSnapshots();
    const rejected = [GrpcStatus.UNAUTHENTICATED, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.RESOURCE_EXHAUSTED].includes(error.code);
    const fields = { peer: this.ctx.peer, code: GrpcStatus[error.code], details: error.details };
    if (rejected) logger?.warn(fields, 'peer rejected a raft stream (cluster id, token or limits differ?)');
    else logger?.debug(fields, 'raft peer stream broke');
    this.#reportUnreachable();
  }

  #reportUnreachable(): void {
    this.ctx.counters.values.unreachable += 1;
    this.ctx.hooks.onUnreachable(this.ctx.peer);
  }
}

function clearStreamTimers(stream: PeerStream): void {
  if (stream.rotateTimer !== null) clearTimeout(stream.rotateTimer);
  if (stream.drainTimer !== null) clearTimeout(stream.drainTimer);
  stream.rotateTimer = null;
  stream.drainTimer = null;
}
