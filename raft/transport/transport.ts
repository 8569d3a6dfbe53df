import type { Message, NodeId, SnapshotMessage } from '../core/types.js';

/**
 * How the driver talks to peers. Implementations: gRPC (grpc-transport.ts) and, in tests,
 * whatever wires drivers together in one process. `send` never blocks and never throws for
 * network trouble: delivery failures come back through the hooks.
 */
export interface RaftTransport {
  /** Start receiving; every valid, authenticated message from a peer goes to `onMessage`. */
  start(hooks: TransportHooks): Promise<void>;
  /** Queue messages for delivery (order per peer preserved, best effort). Snapshot messages are streamed in chunks. */
  send(messages: readonly Message[]): void;
  /** Stop sending and receiving; pending sends are dropped. */
  close(): Promise<void>;
  /** Membership: reach `peer` at `address` (learned from a configuration change). Optional for in-process transports. */
  setPeer?(peer: NodeId, address: string): void;
  /** Membership: `peer` left the configuration. */
  removePeer?(peer: NodeId): void;
}

export interface TransportHooks {
  onMessage(message: Message): void;
  /** A message to `peer` could not be delivered (connection refused, deadline, rejected). */
  onUnreachable(peer: NodeId): void;
  /** A snapshot stream to `peer` finished. */
  onSnapshotStatus(peer: NodeId, ok: boolean): void;
  /**
   * Sender side: the data of a snapshot message whose `snapshot.data` is empty, read lazily in
   * chunks of at most `chunkBytesMax`; null if it cannot be had now (the send fails and the core
   * retries). The transport iterates every stream it gets to its end or breaks out of it.
   */
  openSnapshot(message: SnapshotMessage, chunkBytesMax: number): AsyncIterable<Uint8Array> | null;
  /**
   * Receiver side: an authenticated snapshot message (empty data) and its data chunks as they
   * arrive. Resolves once the receiver has taken it all (spooled, then handed to the core);
   * rejects to refuse it (a chunk that fails the transport's checks rejects too).
   */
  receiveSnapshot(message: SnapshotMessage, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}
