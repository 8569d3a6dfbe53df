import { Metadata, status as GrpcStatus, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import type { SnapshotMessage } from '../core/types.js';
import type { HeaderWire } from './codec.js';
import { RaftMethod, raftServiceDefinition } from './raft-proto.js';
import { snapshotChunks } from './snapshot-codec.js';
import type { PeerSenderContext } from './peer-sender.js';

/**
 * Streams snapshots to one peer, one at a time: a snapshot asked for while another is in
 * flight fails at once (the core retries later). Respects stream backpressure; the whole
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
    if (this.#active !== null || sizeBytes > options.maxSnapshotBytes) {
      const reason = this.#active !== null ? 'another snapshot is streaming' : `snapshot of ${sizeBytes} bytes exceeds maxSnapshotBytes`;
      options.logger?.warn({ peer, index: message.snapshot.meta.index, sizeBytes }, `snapshot not sent: ${reason}`);
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
    void this.#write(call, message, () => settled, waitDrain);
  }

  close(): void {
    this.#closed = true;
    this.#active?.cancel();
    this.#active = null;
  }

  async #write(call: ClientWritableStream<unknown>, message: SnapshotMessage, settled: () => boolean, waitDrain: () => Promise<void>): Promise<void> {
    for (const chunk of snapshotChunks(message, this.header(), this.ctx.options.chunkBytes)) {
      if (settled() || this.#closed) return;
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
