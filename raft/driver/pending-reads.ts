import type { ReadFailure, ReadState } from '../core/types.js';
import { ReadFailureReason } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import type { RaftRuntime, TimerHandle } from './raft-runtime.js';

interface PendingRead {
  /** Read index granted by the leader, or null while waiting for it. */
  index: number | null;
  readonly resolve: (index: number) => void;
  readonly reject: (error: RaftError) => void;
  readonly timer: TimerHandle;
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
 * machine to apply up to the read index. Bounded by `maxPending`.
 */
export class PendingReads {
  private readonly byContext = new Map<string, PendingRead>();
  private sequence = 0;
  private readonly lifeId: string;

  constructor(
    private readonly nodeId: string,
    private readonly maxPending: number,
    private readonly runtime: RaftRuntime,
  ) {
    this.lifeId = runtime.lifeId();
  }

  get size(): number {
    return this.byContext.size;
  }

  isFull(): boolean {
    return this.byContext.size >= this.maxPending;
  }

  /** Register a read; returns its unique context and the promise of its read index. */
  add(timeoutMs: number): { context: string; promise: Promise<number> } {
    this.sequence += 1;
    const context = `${this.nodeId}/${this.lifeId}/${this.sequence}`; // @mutant:read-context-reused
    const promise = new Promise<number>((resolve, reject) => {
      const timer = this.runtime.after(timeoutMs, () => {
        if (!this.byContext.delete(context)) return;
        reject(new RaftError(RaftDriverErrorCode.Timeout, `read barrier not reached within ${timeoutMs} ms`));
      });
      this.byContext.set(context, { index: null, resolve, reject, timer });
    });
    return { context, promise };
  }

  granted(states: readonly ReadState[], applied: number): void {
    for (const state of states) {
      const pending = this.byContext.get(state.context);
      if (pending !== undefined) pending.index = state.index;
    }
    this.appliedUpTo(applied);
  }

  failed(failures: readonly ReadFailure[], leader: string | null): void {
    for (const failure of failures) {
      const pending = this.byContext.get(failure.context);
      if (pending === undefined) continue;
      this.byContext.delete(failure.context);
      pending.timer.cancel();
      pending.reject(new RaftError(failureCodes[failure.reason], `read failed: ${failure.reason}`, { leader }));
    }
  }

  appliedUpTo(applied: number): void {
    for (const [context, pending] of this.byContext) {
      if (pending.index === null || pending.index > applied) continue;
      this.byContext.delete(context);
      pending.timer.cancel();
      pending.resolve(pending.index);
    }
  }

  /** Fail the reads that have a read index but have not reached it (their leader is gone). */
  failGranted(code: RaftDriverErrorCode, message: string): void {
    for (const [context, pending] of this.byContext) {
      if (pending.index === null) continue;
      this.byContext.delete(context);
      pending.timer.cancel();
      pending.reject(new RaftError(code, message));
    }
  }

  rejectAll(code: RaftDriverErrorCode, message: string): void {
    for (const pending of this.byContext.values()) {
      pending.timer.cancel();
      pending.reject(new RaftError(code, message));
    }
    this.byContext.clear();
  }
}
