import type { ReadFailure, ReadState } from '../core/types.js';
import { ReadFailureReason } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import type { RaftRuntime, TimerHandle } from './raft-runtime.js';

/** Reads sharing one forwarded ReadIndex request at most; past it the next read opens a new batch. */
export const READ_BATCH_MAX = 1024;

interface Waiter {
  readonly resolve: (index: number) => void;
  readonly reject: (error: RaftError) => void;
  timer: TimerHandle | null;
}

/** One core read context: its read index (null until granted) and the readIndex() calls waiting on it. */
interface Batch {
  readonly context: string;
  index: number | null;
  readonly waiters: Set<Waiter>;
}

const failureCodes = {
  [ReadFailureReason.NoLeader]: RaftDriverErrorCode.NoLeader,
  [ReadFailureReason.LeaderChanged]: RaftDriverErrorCode.LeaderChanged,
  [ReadFailureReason.NotLeader]: RaftDriverErrorCode.NotLeader,
  [ReadFailureReason.Timeout]: RaftDriverErrorCode.Timeout,
  [ReadFailureReason.QueueFull]: RaftDriverErrorCode.ReadQueueFull,
} as const satisfies Record<ReadFailureReason, RaftDriverErrorCode>;

/**
 * readIndex() calls by context: first waiting for the core's ReadState, then for the state
 * machine to apply up to the read index. Bounded by `maxPending` reads.
 *
 * Batching (followers): reads that start while a forwarded ReadIndex request of the same leader
 * and term has not yet left (its Ready not yet taken) join it instead of sending one request
 * each. Linearizable: the leader fixes the read index when the request arrives, after every
 * joined read started. `closeBatch()` is called when the driver takes a Ready; later reads open
 * a new batch. A leader's own reads never join (its core fixes the index at once).
 */
export class PendingReads {
  private readonly byContext = new Map<string, Batch>();
  private open: { readonly context: string; readonly batch: Batch; readonly key: string } | null = null;
  private waiting = 0;
  private sequence = 0;
  private readonly lifeId: string;

  constructor(
    private readonly nodeId: string,
    private readonly maxPending: number,
    private readonly runtime: RaftRuntime,
  ) {
    this.lifeId = runtime.lifeId();
  }

  /** Reads waiting (not contexts). */
  get size(): number {
    return this.waiting;
  }

  isFull(): boolean {
    return this.waiting >= this.maxPending;
  }

  /**
   * Register a read. `joinKey` (leader and term, followers only; null: never join) lets it share
   * the open batch; `context` is the new context to hand to the core, or null when it joined.
   */
  add(timeoutMs: number, joinKey: string | null = null): { context: string | null; promise: Promise<number> } {
    const open = this.open;
    const join = joinKey !== null && open !== null && open.key === joinKey && open.batch.waiters.size < READ_BATCH_MAX;
    let context: string | null = null;
    let batch: Batch;
    if (join) {
      batch = open.batch;
    } else {
      this.sequence += 1;
      context = `${this.nodeId}/${this.lifeId}/${this.sequence}`; // @mutant:read-context-reused
      batch = { context, index: null, waiters: new Set() };
      this.byContext.set(context, batch);
      this.open = joinKey === null ? null : { context, batch, key: joinKey };
    }
    const promise = new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: null };
      waiter.timer = this.runtime.after(timeoutMs, () => {
        if (!batch.waiters.delete(waiter)) return;
        this.waiting -= 1;
        if (batch.waiters.size === 0) this.take(batch.context);
        reject(new RaftError(RaftDriverErrorCode.Timeout, `read barrier not reached within ${timeoutMs} ms`));
      });
      batch.waiters.add(waiter);
      this.waiting += 1;
    });
    return { context, promise };
  }

  /** The driver took a Ready (the open batch's request is on its way): later reads start a new batch. */
  closeBatch(): void {
    this.open = null;
  }

  granted(states: readonly ReadState[], applied: number): void {
    for (const state of states) {
      const batch = this.byContext.get(state.context);
      if (batch !== undefined) batch.index = state.index;
    }
    this.appliedUpTo(applied);
  }

  failed(failures: readonly ReadFailure[], leader: string | null): void {
    for (const failure of failures) {
      const batch = this.take(failure.context);
      if (batch === undefined) continue;
      for (const w of batch.waiters) this.settle(w).reject(new RaftError(failureCodes[failure.reason], `read failed: ${failure.reason}`, { leader }));
    }
  }

  appliedUpTo(applied: number): void {
    for (const [context, batch] of this.byContext) {
      if (batch.index === null || batch.index > applied) continue;
      this.take(context);
      for (const w of batch.waiters) this.settle(w).resolve(batch.index);
    }
  }

  /** Fail the reads that have a read index but have not reached it (their leader is gone). */
  failGranted(code: RaftDriverErrorCode, message: string): void {
    for (const [context, batch] of [...this.byContext]) {
      if (batch.index === null) continue;
      this.take(context);
      for (const w of batch.waiters) this.settle(w).reject(new RaftError(code, message));
    }
  }

  rejectAll(code: RaftDriverErrorCode, message: string): void {
    for (const context of [...this.byContext.keys()]) {
      const batch = this.take(context);
      for (const w of batch?.waiters ?? []) this.settle(w).reject(new RaftError(code, message));
    }
  }

  private take(context: string): Batch | undefined {
    const batch = this.byContext.get(context);
    if (batch === undefined) return undefined;
    this.byContext.delete(context);
    if (this.open?.context === context) this.open = null;
    return batch;
  }

  private settle(waiter: Waiter): Waiter {
    waiter.timer?.cancel();
    this.waiting -= 1;
    return waiter;
  }
}
