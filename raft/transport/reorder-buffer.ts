import type { Message, NodeId } from '../core/types.js';

/**
 * Restores per-sender call order on the receiving side. Senders pipeline a few unary calls
 * at once; HTTP/2 usually delivers them in order, but a large call can finish after a
 * smaller later one. Each call carries (sender epoch, seq, seq floor): seq numbers calls
 * from 1 per sender incarnation, and the floor says every lower seq is already settled at
 * the sender (acknowledged or abandoned), so the receiver never waits for those.
 *
 * A call that overtook an earlier one is held until the gap fills, the floor passes it, or
 * `waitMs` elapses (then the gap is skipped). A call arriving after its gap was skipped is
 * delivered late rather than dropped: Raft tolerates both; the core prefers late to lost.
 * seq 0 means unordered (snapshots) and is delivered at once.
 */

export interface ReorderOptions {
  readonly waitMs: number;
  /** Calls held per sender; beyond, the oldest gap is skipped at once. */
  readonly maxBufferedCalls: number;
}

export interface ReorderEvents {
  late(): void;
  gapSkipped(): void;
}

interface SenderState {
  readonly epoch: string;
  next: number;
  readonly held: Map<number, readonly Message[]>;
  timer: NodeJS.Timeout | null;
}

export class ReorderBuffer {
  readonly #senders = new Map<NodeId, SenderState>();
  #closed = false;

  constructor(
    private readonly deliver: (messages: readonly Message[]) => void,
    private readonly options: ReorderOptions,
    private readonly events: ReorderEvents,
  ) {}

  accept(from: NodeId, epoch: string, seq: number, floor: number, messages: readonly Message[]): void {
    if (this.#closed) return;
    if (seq === 0) {
      this.deliver(messages);
      return;
    }
    const state = this.#stateFor(from, epoch, floor > 0 ? floor : seq);
    if (floor > state.next) this.#advanceTo(state, floor);
    if (seq < state.next) {
      this.events.late();
      this.deliver(messages);
      return;
    }
    state.held.set(seq, messages);
    this.#drain(state);
    if (state.held.size > this.options.maxBufferedCalls) this.#skipGap(state);
    this.#armTimer(state);
  }

  /** Number of calls currently held for `from` (tests, diagnostics). */
  heldCalls(from: NodeId): number {
    return this.#senders.get(from)?.held.size ?? 0;
  }

  close(): void {
    this.#closed = true;
    for (const state of this.#senders.values()) {
      if (state.timer !== null) clearTimeout(state.timer);
    }
    this.#senders.clear();
  }

  #stateFor(from: NodeId, epoch: string, start: number): SenderState {
    const existing = this.#senders.get(from);
    if (existing !== undefined && existing.epoch === epoch) return existing;
    if (existing?.timer != null) clearTimeout(existing.timer);
    // A new sender incarnation: whatever the old one left held is flushed in order first.
    if (existing !== undefined) this.#flushAll(existing);
    const fresh: SenderState = { epoch, next: start, held: new Map(), timer: null };
    this.#senders.set(from, fresh);
    return fresh;
  }

  /** Deliver held calls with seq below `floor` (in order) and move `next` up to it. */
  #advanceTo(state: SenderState, floor: number): void {
    for (const seq of [...state.held.keys()].sort((a, b) => a - b)) {
      if (seq >= floor) break;
      this.#deliverHeld(state, seq);
    }
    state.next = floor;
    this.#drain(state);
  }

  #drain(state: SenderState): void {
    while (state.held.has(state.next)) {
      this.#deliverHeld(state, state.next);
      state.next += 1;
    }
  }

  #skipGap(state: SenderState): void {
    if (state.held.size === 0) return;
    this.events.gapSkipped();
    state.next = Math.min(...state.held.keys());
    this.#drain(state);
  }

  #flushAll(state: SenderState): void {
    for (const seq of [...state.held.keys()].sort((a, b) => a - b)) this.#deliverHeld(state, seq);
  }

  #deliverHeld(state: SenderState, seq: number): void {
    const messages = state.held.get(seq);
    if (messages === undefined) throw new Error(`reorder buffer: seq ${seq} not held`);
    state.held.delete(seq);
    this.deliver(messages);
  }

  #armTimer(state: SenderState): void {
    if (state.held.size === 0) {
      if (state.timer !== null) clearTimeout(state.timer);
      state.timer = null;
      return;
    }
    if (state.timer !== null) return;
    state.timer = setTimeout(() => {
      state.timer = null;
      if (this.#closed) return;
      this.#skipGap(state);
      this.#armTimer(state);
    }, this.options.waitMs);
    state.timer.unref();
  }
}
