import type { Entry } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { RaftRuntime } from './raft-runtime.js';

export interface ProposalOutcome<Result> {
  readonly index: number;
  readonly term: number;
  readonly result: Result;
}

interface Pending<Result> {
  readonly index: number;
  readonly term: number;
  readonly resolve: (outcome: ProposalOutcome<Result>) => void;
  readonly reject: (error: RaftError) => void;
  readonly timeoutMs: number;
  /** runtime.now() at which the proposal fails with a timeout. */
  readonly deadlineMs: number;
}

/** Settled slots at the front of the queue are dropped once there are this many (and most are settled). */
const COMPACT_SLOTS_MIN = 1024;

/**
 * Proposals this node appended as leader, in log-index order, until the entry at that index is
 * applied (resolve with the state machine's result if the term matches, else DROPPED), the
 * timeout fires, or the node stops. Bounded by `maxPending`.
 *
 * Garbage, not just time (as PendingReads, pending-reads.ts): a leader takes thousands of
 * proposals a second, so none gets a timer of its own or an entry in a long-lived keyed
 * container. They sit in one array in index order (a leader's proposals get rising indexes;
 * applies come in index order) consumed from the front, and one timer, armed for the earliest
 * deadline, times them out.
 */
export class PendingProposals<Result> {
  private queue: (Pending<Result> | null)[] = [];
  /** Slots before `head` are settled; so may be some after it (timeouts). */
  private head = 0;
  private live = 0;
  private readonly deadlines: DeadlineTimer;

  constructor(
    private readonly maxPending: number,
    private readonly runtime: RaftRuntime,
  ) {
    this.deadlines = new DeadlineTimer(runtime, () => this.expire());
  }

  get size(): number {
    return this.live;
  }

  isFull(): boolean {
    return this.live >= this.maxPending;
  }

  add(index: number, term: number, timeoutMs: number): Promise<ProposalOutcome<Result>> {
    // A new proposal at or below a pending one: our own log was cut back to `index - 1` by a
    // later leadership of ours, so every pending proposal from `index` on was overwritten.
    while (this.live > 0) {
      const last = this.lastLive();
      if (last === null || last.index < index) break;
      this.settleError(this.queue.length - 1, RaftDriverErrorCode.ProposalDropped, `entry ${last.index} of term ${last.term} was overwritten in term ${term}`);
    }
    const deadlineMs = this.runtime.now() + timeoutMs;
    const promise = new Promise<ProposalOutcome<Result>>((resolve, reject) => {
      this.queue.push({ index, term, resolve, reject, timeoutMs, deadlineMs });
    });
    this.live += 1;
    this.deadlines.armBy(deadlineMs);
    return promise;
  }

  /** Entries were applied with these results (one per entry). */
  applied(entries: readonly Entry[], results: readonly Result[]): void {
    if (this.live === 0) return;
    entries.forEach((entry, i) => {
      for (;;) {
        const first = this.firstLive();
        if (first === null || first.pending.index > entry.index) return;
        if (first.pending.index < entry.index) {
          // Never applied here (entries are applied in order from above each proposal's index).
          this.settleError(first.slot, RaftDriverErrorCode.Timeout, `entry ${first.pending.index} was not applied in order; outcome unknown`);
          continue;
        }
        if (first.pending.term !== entry.term) {
          this.settleError(first.slot, RaftDriverErrorCode.ProposalDropped, `another entry (term ${entry.term}) committed at index ${entry.index}; proposal of term ${first.pending.term} was dropped`);
          return;
        }
        this.take(first.slot).resolve({ index: entry.index, term: entry.term, result: results[i] as Result });
        return;
      }
    });
    this.compact();
  }

  /** A snapshot replaced the state up to `index`: the fate of proposals at or below it is unknown. */
  coveredBySnapshot(index: number): void {
    for (let first = this.firstLive(); first !== null && first.pending.index <= index; first = this.firstLive()) {
      this.settleError(first.slot, RaftDriverErrorCode.Timeout, `entry ${first.pending.index} was covered by a snapshot received from the leader; outcome unknown`);
    }
    this.compact();
  }

  rejectAll(code: RaftDriverErrorCode, message: string): void {
    for (let slot = this.head; slot < this.queue.length; slot++) {
      if (this.queue[slot] !== null) this.settleError(slot, code, message);
    }
    this.compact();
    this.deadlines.cancel();
  }

  private firstLive(): { slot: number; pending: Pending<Result> } | null {
    while (this.head < this.queue.length) {
      const pending = this.queue[this.head];
      if (pending !== null && pending !== undefined) return { slot: this.head, pending };
      this.head += 1;
    }
    return null;
  }

  private lastLive(): Pending<Result> | null {
    while (this.queue.length > this.head) {
      const pending = this.queue[this.queue.length - 1];
      if (pending !== null && pending !== undefined) return pending;
      this.queue.pop();
    }
    return null;
  }

  private take(slot: number): Pending<Result> {
    const pending = this.queue[slot];
    if (pending === null || pending === undefined) throw new Error(`pending proposal slot ${slot} is empty`);
    this.queue[slot] = null;
    this.live -= 1;
    return pending;
  }

  private settleError(slot: number, code: RaftDriverErrorCode, message: string): void {
    this.take(slot).reject(new RaftError(code, message));
  }

  /** Drop the settled front; the array is rebuilt only when it is long and mostly settled. */
  private compact(): void {
    if (this.live === 0) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_SLOTS_MIN && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Time out every proposal past its deadline; re-arm for the earliest one left. */
  private expire(): void {
    const nowMs = this.runtime.now();
    let nextMs = Number.POSITIVE_INFINITY;
    for (let slot = this.head; slot < this.queue.length; slot++) {
      const pending = this.queue[slot];
      if (pending === null || pending === undefined) continue;
      if (pending.deadlineMs <= nowMs) {
        this.settleError(slot, RaftDriverErrorCode.Timeout, `proposal at index ${pending.index} not applied within ${pending.timeoutMs} ms; outcome unknown`);
      } else {
        nextMs = Math.min(nextMs, pending.deadlineMs);
      }
    }
    this.compact();
    if (nextMs < Number.POSITIVE_INFINITY) this.deadlines.armBy(nextMs);
  }
}
