import type { Message, NodeId, SnapshotMessage } from '../core/types.js';

/** Chunk size of snapshots streamed between in-process nodes (small: many chunks per snapshot). */
export const MEMORY_SNAPSHOT_CHUNK_BYTES = 4096;
import { MessageType } from '../core/types.js';
import type { RaftTransport, TransportHooks } from '../transport/transport.js';

/**
 * In-process network for driver tests: every node gets a RaftTransport; messages are
 * structured-cloned (as if serialized) and delivered on a later event-loop turn. Nodes can be
 * isolated (all traffic to and from them is dropped) and healed. Not for production.
 */
export class MemoryNetwork {
  private readonly hooks = new Map<NodeId, TransportHooks>();
  private readonly isolated = new Set<NodeId>();
  delivered = 0;

  transport(id: NodeId): RaftTransport {
    return {
      start: async (hooks) => {
        this.hooks.set(id, hooks);
      },
      send: (messages) => {
        for (const message of messages) this.deliver(id, structuredClone(message));
      },
      close: async () => {
        this.hooks.delete(id);
      },
    };
  }

  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  heal(id: NodeId): void {
    this.isolated.delete(id);
  }

  private deliver(from: NodeId, message: Message): void {
    if (message.type === MessageType.Snapshot && message.snapshot.data.byteLength === 0) {
      setImmediate(() => void this.deliverSnapshot(from, message));
      return;
    }
    setImmediate(() => {
      const sender = this.hooks.get(from);
      const receiver = this.hooks.get(message.to);
      const cut = this.isolated.has(from) || this.isolated.has(message.to) || receiver === undefined;
      if (!cut) {
        this.delivered += 1;
        receiver.onMessage(message);
      }
      if (message.type === MessageType.Snapshot) sender?.onSnapshotStatus(message.to, !cut);
      else if (cut) sender?.onUnreachable(message.to);
    });
  }

  /** As the gRPC transport does: the sender's data streamed in chunks into the receiver's hook. */
  private async deliverSnapshot(from: NodeId, message: SnapshotMessage): Promise<void> {
    const sender = this.hooks.get(from);
    const receiver = this.hooks.get(message.to);
    const cut = this.isolated.has(from) || this.isolated.has(message.to) || receiver === undefined;
    const chunks = cut ? null : (sender?.openSnapshot(message, MEMORY_SNAPSHOT_CHUNK_BYTES) ?? null);
    let ok = false;
    if (chunks !== null && receiver !== undefined) {
      try {
        await receiver.receiveSnapshot(message, chunks);
        this.delivered += 1;
        ok = true;
      } catch {
        ok = false;
      }
    }
    this.hooks.get(from)?.onSnapshotStatus(message.to, ok);
  }
}
