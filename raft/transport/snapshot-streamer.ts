import { Metadata, status as GrpcStatus, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import type { SnapshotMessage } from '../core/types.js';
import type { HeaderWire } from './codec.js';
import { RaftMethod, raftServiceDefinition } from './raft-proto.js';
import { dataChunks, snapshotChunks, snapshotStartChunk, type SnapshotChunkWire } from './snapshot-codec.js';
import type { PeerSenderContext } from './peer-sender.js';

/**
 * Streams snapshots to one peer, one at a time: a snapshot asked for while another is in
 * flight fails at once (the core retries later). Data comes from the message, or (empty data)
 * read lazily from the state machine through `hooks.openSnapshot`, chunk by chunk. Respects stream backpressure; the whole
 * stream has one deadline. Reports `onSnapshotStatus` exactly once per snapshot, and
 * `onUnreachable` as well on failure.
 */
export class SnapshotStreamer {
  #active: ClientWritableStream<unknown> | null = null;
  #closed = false;

  constructor(
    private readonly ctx: PeerSenderContext,
    private readonly header: () => HeaderWire,
  ) {}

  send(message: SnapshotMessage): void {
    const { options, counters, peer } = this.ctx;
    const sizeBytes = message.snapshot.data.byteLength;
    const reason =
      this.#active !== null ? 'another snapshot is streaming' : sizeBytes > options.maxSnapshotBytes ? `snapshot of ${sizeBytes} bytes exceeds maxSnapshotBytes` : null;
    // Data in the message is sent as is; otherwise it is read lazily from the state machine.
    const source = reason !== null || sizeBytes > 0 ? null : this.ctx.hooks.openSnapshot(message, options.chunkBytes);
    if (reason !== null || (sizeBytes === 0 && source === null)) {
      options.logger?.warn({ peer, index: message.snapshot.meta.index, sizeBytes }, `snapshot not sent: ${reason ?? 'its data is not available now'}`);
      this.#finish(false);
      return;
    }
    const method = raftServiceDefinition()[RaftMethod.InstallSnapshot];
    if (method === undefined) throw new Error('raft.proto lacks InstallSnapshot');
    let settled = false;
    let wakeWriter: () => void = () => {};
    const call = this.ctx.client.makeClientStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      new Metadata(),
      { deadline: Date.now() + options.snapshotDeadlineMs },
      (error: ServiceError | null) => {
        settled = true;
        wakeWriter();
        this.#active = null;
        if (this.#closed) return;
        if (error !== null) {
          options.logger?.warn({ peer, code: GrpcStatus[error.code], details: error.details }, 'snapshot stream failed');
        } else {
          counters.values.snapshotsSent += 1;
        }
        this.#finish(error === null);
      },
    );
    this.#active = call;
    call.on('error', () => {}); // the status arrives through the callback
    const waitDrain = (): Promise<void> =>
      new Promise((resolve) => {
        wakeWriter = resolve;
        call.once('drain', resolve);
      });
    const chunks = source === null ? snapshotChunks(message, this.header(), options.chunkBytes) : streamedChunks(message, this.header(), source, options.chunkBytes);
    this.#write(call, chunks, () => settled, waitDrain).catch((error: unknown) => {
      options.logger?.warn({ peer, index: message.snapshot.meta.index, err: String(error) }, 'snapshot data could not be read: stream cancelled');
      call.cancel();
    });
  }

  close(): void {
    this.#closed = true;
    this.#active?.cancel();
    this.#active = null;
  }

  async #write(
    call: ClientWritableStream<unknown>,
    chunks: Iterable<SnapshotChunkWire> | AsyncIterable<SnapshotChunkWire>,
    settled: () => boolean,
    waitDrain: () => Promise<void>,
  ): Promise<void> {
    for await (const chunk of chunks) {
      if (settled() || this.#closed) return; // leaving the loop closes the source
      if (!call.write(chunk)) await waitDrain();
    }
    if (!settled()) call.end();
  }

  #finish(ok: boolean): void {
    const { counters, hooks, peer } = this.ctx;
    if (!ok) {
      counters.values.snapshotsFailed += 1;
      counters.values.unreachable += 1;
      hooks.onUnreachable(peer);
    }
    hooks.onSnapshotStatus(peer, ok);
  }
}

/** The start chunk (size unknown: 0), then the source's data in chunks of at most `chunkBytes`. */
async function* streamedChunks(message: SnapshotMessage, header: HeaderWire, source: AsyncIterable<Uint8Array>, chunkBytes: number): AsyncGenerator<SnapshotChunkWire> {
  yield snapshotStartChunk(message, header, 0);
  yield* dataChunks(source, chunkBytes);
}
