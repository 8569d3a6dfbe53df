import { MessageType, type NodeId, type SnapshotMessage, type SnapshotMeta } from '../core/types.js';
import { decodeHeader, maxNodeIdBytes, type HeaderWire, type Route, type WireHeader } from './codec.js';
import { RejectReason, TransportRejection } from './rejection.js';
import { readArray, readBytes, readMessage, readObject, readOneof, readUint, type WireObject } from './wire-read.js';

/**
 * InstallSnapshot streaming: the first chunk is `start` (header, sender term, meta, total
 * size), then `data` chunks of at most `chunkBytes`. The snapshot's data is read lazily from
 * the sender's state machine and is never whole in memory, so its size is usually not known up
 * front: total 0 means "unknown" (the receiver bounds the sum by maxSnapshotBytes, and only a
 * cleanly ended stream counts); a non-zero total must match exactly.
 */

export interface SnapshotLimits {
  readonly nodeIds: ReadonlySet<NodeId>;
  /** Max voters + learners named by a snapshot's configuration. */
  readonly maxMembers: number;
  readonly maxSnapshotBytes: number;
  readonly maxChunkBytes: number;
}

export type SnapshotChunkWire =
  | { readonly start: Readonly<Record<string, unknown>> }
  | { readonly data: Uint8Array };

export function snapshotStartChunk(message: SnapshotMessage, header: HeaderWire, totalBytes: number): SnapshotChunkWire {
  const { meta } = message.snapshot;
  return {
    start: {
      header,
      term: message.term,
      meta: { index: meta.index, term: meta.term, voters: [...meta.voters], learners: [...(meta.learners ?? [])], addresses: { ...(meta.addresses ?? {}) } },
      total_size_bytes: totalBytes,
    },
  };
}

/** Data chunks of at most `chunkBytes` from a source whose chunks may be of any size. */
export async function* dataChunks(source: AsyncIterable<Uint8Array>, chunkBytes: number): AsyncGenerator<SnapshotChunkWire> {
  for await (const part of source) {
    for (let offset = 0; offset < part.byteLength; offset += chunkBytes) {
      yield { data: part.subarray(offset, Math.min(offset + chunkBytes, part.byteLength)) };
    }
  }
}

/** All chunks of a snapshot whose data is in the message (declared total = its size). */
export function* snapshotChunks(message: SnapshotMessage, header: HeaderWire, chunkBytes: number): Generator<SnapshotChunkWire> {
  const { data } = message.snapshot;
  yield snapshotStartChunk(message, header, data.byteLength);
  for (let offset = 0; offset < data.byteLength; offset += chunkBytes) {
    yield { data: data.subarray(offset, Math.min(offset + chunkBytes, data.byteLength)) };
  }
}

function outOfRange(detail: string): TransportRejection {
  return new TransportRejection(RejectReason.OutOfRange, detail);
}

function decodeMeta(value: WireObject, msgTerm: number, limits: SnapshotLimits): SnapshotMeta {
  const path = 'start.meta';
  const index = readUint(value, 'index', path);
  const term = readUint(value, 'term', path);
  if (index < 1 || term < 1) throw outOfRange(`${path} index and term must be >= 1`);
  if (term > msgTerm) throw outOfRange(`${path}.term ${term} > sender term ${msgTerm}`);
  const seen = new Set<NodeId>();
  const voters = readMembers(value, 'voters', seen, limits);
  if (voters.length === 0) throw outOfRange(`${path}.voters must not be empty`);
  const learners = value['learners'] === undefined ? [] : readMembers(value, 'learners', seen, limits);
  const addresses = readAddresses(value, seen);
  return { index, term, voters, learners, addresses };
}

/**
 * Member ids of a snapshot's configuration. With membership changes a snapshot may name members
 * the receiver has not met yet (added after it booted): ids are checked for form, not for being known.
 */
function readMembers(value: WireObject, field: string, seen: Set<NodeId>, limits: SnapshotLimits): NodeId[] {
  const path = `start.meta.${field}`;
  const out: NodeId[] = [];
  for (const id of readArray(value, field, 'start.meta', limits.maxMembers)) {
    if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id, 'utf8') > maxNodeIdBytes) {
      throw outOfRange(`${path} has a malformed node id ${JSON.stringify(id)}`);
    }
    if (seen.has(id)) throw outOfRange(`${path} lists ${id} twice`);
    seen.add(id);
    out.push(id);
  }
  return out;
}

function readAddresses(value: WireObject, members: ReadonlySet<NodeId>): Record<NodeId, string> {
  const raw = value['addresses'];
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object') throw new TransportRejection(RejectReason.Malformed, 'start.meta.addresses must be a map');
  const out: Record<NodeId, string> = {};
  for (const [id, address] of Object.entries(raw as Record<string, unknown>)) {
    if (!members.has(id) || typeof address !== 'string' || Buffer.byteLength(address, 'utf8') > maxNodeIdBytes) {
      throw outOfRange(`start.meta.addresses has a bad entry for ${JSON.stringify(id)}`);
    }
    out[id] = address;
  }
  return out;
}

/**
 * Checks one incoming stream chunk by chunk (it keeps no data); every method throws only
 * TransportRejection.
 */
export class SnapshotAssembler {
  #header: WireHeader | null = null;
  #term = 0;
  #meta: SnapshotMeta | null = null;
  #totalBytes = 0;
  #receivedBytes = 0;

  constructor(private readonly limits: SnapshotLimits) {}

  /** Feed one chunk: the start's header (authenticate it before going on), or a data chunk's bytes. */
  accept(chunk: unknown): { readonly header: WireHeader } | { readonly data: Uint8Array } {
    const obj = readObject(chunk, 'chunk');
    const part = readOneof(obj, 'part', 'chunk', ['start', 'data']);
    if (this.#header === null) {
      if (part !== 'start') throw new TransportRejection(RejectReason.Malformed, 'first snapshot chunk must be start');
      return { header: this.#acceptStart(readMessage(obj, 'start', 'chunk')) };
    }
    if (part !== 'data') throw new TransportRejection(RejectReason.Malformed, 'start chunk sent twice');
    const data = readBytes(obj, 'data', 'chunk');
    if (data.byteLength > this.limits.maxChunkBytes) {
      throw new TransportRejection(RejectReason.TooLarge, `chunk of ${data.byteLength} bytes, max ${this.limits.maxChunkBytes}`);
    }
    const bound = this.#totalBytes > 0 ? this.#totalBytes : this.limits.maxSnapshotBytes;
    if (this.#receivedBytes + data.byteLength > bound) {
      const what = this.#totalBytes > 0 ? `its declared ${this.#totalBytes} bytes` : `maxSnapshotBytes ${bound}`;
      throw new TransportRejection(RejectReason.TooLarge, `snapshot data exceeds ${what}`);
    }
    this.#receivedBytes += data.byteLength;
    return { data };
  }

  #acceptStart(start: WireObject): WireHeader {
    const header = decodeHeader(start['header']);
    const term = readUint(start, 'term', 'start');
    if (term < 1) throw outOfRange('start.term must be >= 1');
    const meta = decodeMeta(readMessage(start, 'meta', 'start'), term, this.limits);
    const totalBytes = readUint(start, 'total_size_bytes', 'start');
    if (totalBytes > this.limits.maxSnapshotBytes) {
      throw new TransportRejection(RejectReason.TooLarge, `snapshot of ${totalBytes} bytes, max ${this.limits.maxSnapshotBytes}`);
    }
    this.#header = header;
    this.#term = term;
    this.#meta = meta;
    this.#totalBytes = totalBytes;
    return header;
  }

  /** The snapshot message (empty data: the data is the stream), once the start chunk was accepted. */
  message(route: Route): SnapshotMessage {
    if (this.#meta === null) throw new TransportRejection(RejectReason.Malformed, 'snapshot stream ended before its start chunk');
    return { type: MessageType.Snapshot, from: route.from, to: route.to, term: this.#term, snapshot: { meta: this.#meta, data: new Uint8Array(0) } };
  }

  /** The stream ended cleanly: check that a declared size was met. */
  finish(): void {
    if (this.#meta === null) throw new TransportRejection(RejectReason.Malformed, 'snapshot stream ended before its start chunk');
    if (this.#totalBytes > 0 && this.#receivedBytes !== this.#totalBytes) {
      throw new TransportRejection(RejectReason.Malformed, `snapshot stream ended after ${this.#receivedBytes} of ${this.#totalBytes} bytes`);
    }
  }
}
