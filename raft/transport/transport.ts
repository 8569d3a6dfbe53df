import type { Message, NodeId } from '../core/types.js';

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
}
