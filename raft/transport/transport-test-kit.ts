import { MessageType, type Message, type NodeId, type SnapshotMessage } from '../core/types.js';
import { GrpcTransport } from './grpc-transport.js';
import type { GrpcTransportOptions } from './transport-options.js';
import type { TransportHooks } from './transport.js';

/** Test helpers for real-gRPC transport tests (loopback only). */

export const loopback = '127.0.0.1';
export const testClusterId = 'test-cluster';
export const testToken = 'test-token-0123456789';


export class Recorder implements TransportHooks {
  readonly messages: Message[] = [];
  readonly unreachable: NodeId[] = [];
  readonly snapshots: Array<{ peer: NodeId; ok: boolean }> = [];

  onMessage(message: Message): void {
    this.messages.push(message);
  }

  onUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
  }

  onSnapshotStatus(peer: NodeId, ok: boolean): void {
    this.snapshots.push({ peer, ok });
  }

  /** Sends in these tests carry their data in the message; `dataSources` stands in for a state machine. */
  readonly dataSources = new Map<number, Uint8Array>();

  openSnapshot(message: SnapshotMessage, chunkBytesMax: number): AsyncIterable<Uint8Array> | null {
    const data = this.dataSources.get(message.snapshot.meta.index);
    if (data === undefined) return null;
    return (async function* () {
      for (let offset = 0; offset < data.byteLength; offset += chunkBytesMax) yield data.subarray(offset, offset + chunkBytesMax);
    })();
  }

  /** Collects the data (a test double: the driver spools it to disk) and records the whole message. */
  async receiveSnapshot(message: SnapshotMessage, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    this.messages.push({ ...message, snapshot: { ...message.snapshot, data: new Uint8Array(Buffer.concat(parts)) } });
  }
}

/** Poll `condition` every few ms; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function makeTransport(
  id: NodeId,
  port: number,
  peers: Record<NodeId, number>,
  overrides: Partial<GrpcTransportOptions> = {},
): GrpcTransport {
  return new GrpcTransport({
    id,
    listenHost: loopback,
    listenPort: port,
    peers: Object.fromEntries(Object.entries(peers).map(([peer, p]) => [peer, `${loopback}:${p}`])),
    clusterId: testClusterId,
    clusterToken: testToken,
    ...overrides,
  });
}

export function heartbeat(from: NodeId, to: NodeId, term: number): Message {
  return { type: MessageType.Heartbeat, from, to, term, commit: 0, readRound: 0 };
}

/** Deterministic bytes, fast to make for megabytes. */
export function patternBytes(sizeBytes: number, salt: number): Uint8Array {
  const buffer = Buffer.alloc(sizeBytes, `pattern-${salt}-`);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A message with every byte array replaced by its base64, so deep equality stays cheap. */
export function comparable(message: Message): unknown {
  return JSON.parse(
    JSON.stringify(message, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value)),
  );
}
