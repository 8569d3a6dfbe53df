import type { Entry } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import type { RaftRuntime, TimerHandle } from './raft-runtime.js';

export interface ProposalOutcome<Result> {
  readonly index: number;
  readonly term: number;
  readonly result: Result;
}

interface Pending<Result> {
  readonly term: number;
  readonly resolve: (outcome: ProposalOutcome<Result>) => void;
  readonly reject: (error: RaftError) => void;
  readonly timer: TimerHandle;
}

/**
 * Proposals this node appended as leader, keyed by log index, until the entry at that index
 * is applied (resolve with the state machine's result if the term matches, else DROPPED),
 * the timeout fires, or the node stops. Bounded by `maxPending`.
 */
export class PendingProposals<Result> {
  private readonly byIndex = new Map<number, Pending<Result>>();

  constructor(
    private readonly maxPending: number,
    private readonly runtime: RaftRuntime,
  ) {}

  get size(): number {
    return this.byIndex.size;
  }

  isFull(): boolean {
    return this.byIndex.size >= this.maxPending;
  }

  add(index: number, term: number, timeoutMs: number): Promise<ProposalOutcome<Result>> {
    const previous = this.byIndex.get(index);
    if (previous !== undefined) {
      // Our own log was overwritten at `index` by a later leadership of ours.
      this.settleError(index, previous, RaftDriverErrorCode.ProposalDropped, `entry ${index} of term ${previous.term} was overwritten in term ${term}`);
    }
    return new Promise((resolve, reject) => {
      const timer = this.runtime.after(timeoutMs, () => {
        if (this.byIndex.get(index)?.timer !== timer) return;
        this.byIndex.delete(index);
        reject(new RaftError(RaftDriverErrorCode.Timeout, `proposal at index ${index} not applied within ${timeoutMs} ms; outcome unknown`));
      });
      this.byIndex.set(index, { term, resolve, reject, timer });
    });
  }

  /** Entries were applied with these results (one per entry). */
  applied(entries: readonly Entry[], results: readonly Result[]): void {
    if (this.byIndex.size === 0) return;
    entries.forEach((entry, i) => {
      const pending = this.byIndex.get(entry.index);
      if (pending === undefined) return;
      if (pending.term !== entry.term) {
        this.settleError(entry.index, pending, RaftDriverErrorCode.ProposalDropped, `another entry (term ${entry.term}) committed at index ${entry.index}; proposal of term ${pending.term} was dropped`);
        return;
      }
      this.byIndex.delete(entry.index);
      pending.timer.cancel();
      pending.resolve({ index: entry.index, term: entry.term, result: results[i] as Result });
    });
  }

  /** A snapshot replaced the state up to `index`: the fate of proposals at or below it is unknown. */
  coveredBySnapshot(index: number): void {
    for (const [at, pending] of this.byIndex) {
      if (at <= index) this.settleError(at, pending, RaftDriverErrorCode.Timeout, `entry ${at} was covered by a snapshot received from the leader; outcome unknown`);
    }
  }

  rejectAll(code: RaftDriverErrorCode, message: string): void {
    for (const [at, pending] of this.byIndex) this.settleError(at, pending, code, message);
  }

  private settleError(index: number, pending: Pending<Result>, code: RaftDriverErrorCode, message: string): void {
    this.byIndex.delete(index);
    pending.timer.cancel();
    pending.reject(new RaftError(code, message));
  }
}
