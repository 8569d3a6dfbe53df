import { MessageType, type Message, type SnapshotMessage } from '../core/types.js';
import type { EnvelopeMessage } from './codec.js';
import { estimateMessageBytes, type PeerSenderContext } from './peer-sender.js';
import { requestOverheadBytes } from './transport-options.js';

/**
 * The bounded, ordered queue of messages to one peer, shared by the unary and the stream
 * sender: oldest dropped (counted, peer reported unreachable) beyond maxQueuedMessagesPerPeer;
 * taken out as a snapshot on its own or as a batch within the per-request bounds.
 */
export class PeerQueue {
  #items: Message[] = [];
  #head = 0;

  constructor(
    private readonly ctx: PeerSenderContext,
    private readonly reportUnreachable: () => void,
  ) {}

  get size(): number {
    return this.#items.length - this.#head;
  }

  enqueue(message: Message): void {
    this.#items.push(message);
    if (this.size > this.ctx.options.maxQueuedMessagesPerPeer) {
      this.#head += 1;
      this.ctx.counters.values.droppedQueueFull += 1;
      this.reportUnreachable();
    }
  }

  /** The next thing to send: a snapshot (streamed on its own) or a batch; null when empty. */
  next(): { readonly snapshot: SnapshotMessage } | { readonly batch: EnvelopeMessage[] } | null {
    const first = this.#items[this.#head];
    if (first === undefined) return null;
    if (first.type === MessageType.Snapshot) {
      this.#head += 1;
      return { snapshot: first };
    }
    const { batch, head, droppedTooLarge } = takeBatch(this.#items, this.#head, this.ctx);
    this.#head = head;
    if (droppedTooLarge) this.reportUnreachable();
    return { batch };
  }

  /** Drop every queued non-snapshot message; returns how many. Snapshots still go. */
  dropNonSnapshots(): number {
    const kept = this.#items.slice(this.#head).filter((m) => m.type === MessageType.Snapshot);
    const dropped = this.size - kept.length;
    this.#items = kept;
    this.#head = 0;
    return dropped;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /** Reclaim the consumed prefix once it dominates the array. */
  compact(): void {
    if (this.#head > 0 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The next batch to send from `queue[head..]`: consecutive non-snapshot messages within
 * maxMessagesPerBatch and the byte budget of one request. A single message over the budget is
 * dropped and counted (`droppedTooLarge`: the caller reports the peer unreachable after moving
 * its head). Returns the batch and the new head.
 */
function takeBatch(
  queue: readonly Message[],
  head: number,
  ctx: PeerSenderContext,
): { batch: EnvelopeMessage[]; head: number; droppedTooLarge: boolean } {
  const { maxMessagesPerBatch, maxMessageBytes } = ctx.options;
  const budgetBytes = maxMessageBytes - requestOverheadBytes;
  const batch: EnvelopeMessage[] = [];
  let bytes = 0;
  let at = head;
  while (batch.length < maxMessagesPerBatch && at < queue.length) {
    const next = queue[at];
    if (next === undefined || next.type === MessageType.Snapshot) break;
    const size = estimateMessageBytes(next);
    if (batch.length === 0 && size > budgetBytes) {
      ctx.counters.values.droppedTooLarge += 1;
      ctx.options.logger?.error({ peer: ctx.peer, type: next.type, sizeBytes: size, budgetBytes }, 'raft message larger than maxMessageBytes dropped');
      return { batch, head: at + 1, droppedTooLarge: true };
    }
    if (bytes + size > budgetBytes) break;
    bytes += size;
    batch.push(next as EnvelopeMessage);
    at += 1;
  }
  return { batch, head: at, droppedTooLarge: false };
}
