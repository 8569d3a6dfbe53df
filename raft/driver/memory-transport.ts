import type { Message, NodeId } from '../core/types.js';
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
}
