import type { ReadFailure, ReadState } from '../core/types.js';
import { ReadFailureReason } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { RaftRuntime } from './raft-runtime.js';

/** Reads sharing one forwarded ReadIndex request at most; past it the next read opens a new batch. */
export const READ_BATCH_MAX = 1024;
/**
 * How long a follower's batch waits behind the forwarded request before it (one tick of the
 * node's 50 ms): a lost request or a slow leader delays the next batch by at most this much.
 */
export const READ_PARK_MS_MAX = 50;

interface Waiter {
  readonly resolve: (index: number) => void;
  readonly reject: (error: RaftError) => void;
  readonly timeoutMs: number;
  /** runtime.now() at which the read fails with a timeout. */
  readonly deadlineMs: number;
}

/** One core read context: its read index (null until granted) and the readIndex() calls waiting on it. */
interface Batch {
  readonly context: string;
  readonly sequence: number;
  index: number | null;
  /** Emptied (in place) when the batch is taken, so a taken batch holds no caller's promise. */
  readonly waiters: Waiter[];
  taken: boolean;
}

const failureCodes = {
  [ReadFailureReason.NoLeader]: RaftDriverErrorCode.NoLeader,
  [ReadFailureReason.LeaderChanged]: RaftDriverErrorCode.LeaderChanged,
  [ReadFailureReason.NotLeader]: RaftDriverErrorCode.NotLeader,
  [ReadFailureReason.Timeout]: RaftDriverErrorCode.Timeout,
  [ReadFailureReason.QueueFull]: RaftDriverErrorCode.ReadQueueFull,
} as const satisfies Record<ReadFailureReason, RaftDriverErrorCode>;

/** Below this many slots the batch list is never compacted (taken batches leave from the front). */
const COMPACT_SLOTS_MIN = 64;

/**
 * readIndex() calls by context: first waiting for the core's ReadState, then for the state
 * machine to apply up to the read index. Bounded by `maxPending` reads.
 *
 * Batching (followers): reads that start while a forwarded ReadIndex request of the same leader
 * and term has not yet left (its Ready not yet taken) join it instead of sending one request
 * each. Linearizable: the leader fixes the read index when the request arrives, after every
 * joined read started. `closeBatch()` is called when the driver takes a Ready; later reads open
 * a new batch. A leader's own reads never join (its core fixes the index at once).
 * One request in flight (followers, like etcd's read loop): a batch opened while the previous
 * request of the same leader and term is unanswered is parked, not handed to the core; reads
 * keep joining it, and `releaseParked()` gives its context to the driver once that answer came
 * (or the request failed, timed out, or is READ_PARK_MS_MAX old). Under load a follower then
 * sends one request per leader round trip instead of one per event-loop turn, and so does
 * every hop after it (fault proxy, leader, answer).
 *
 * Garbage, not just time: a leader serves tens of thousands of reads a second, so nothing here
 * keeps a read in a long-lived keyed container or gives it a timer of its own. Batches sit in
 * one array in context order (found by the sequence number at the end of their context), taken
 * ones leave from the front; one timer, armed for the earliest deadline, times reads out. A
 * long-lived Map with an insert and a delete per read (the earlier design) got the reads' objects
 * promoted to the old generation wholesale (measured, cause inside V8 not established):
 * scavenges and old-generation collections grew, and the reads' latency tail with them
 * (bench/README.md, "Leader read tail, session 4").
 */
export class PendingReads {
  /** Batches by ascending sequence; taken ones are dropped from the front (and by compaction). */
  private batches: Batch[] = [];
  private live = 0;
  private open: { readonly batch: Batch; readonly key: string; parked: boolean } | null = null;
  /** A follower's batch whose request left and has no read index yet: the next batch waits for it. */
  private inFlight: { readonly batch: Batch; readonly key: string; readonly sentAtMs: number } | null = null;
  private waiting = 0;
  private sequence = 0;
  private readonly lifeId: string;
  private readonly deadlines: DeadlineTimer;

  constructor(
    private readonly nodeId: string,
    private readonly maxPending: number,
    private readonly runtime: RaftRuntime,
  ) {
    this.lifeId = runtime.lifeId();
    this.deadlines = new DeadlineTimer(runtime, () => this.expire());
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
  add(timeoutMs: number, joinKey: string | null = null): { context: string | null; released: string | null; promise: Promise<number> } {
    const open = this.open;
    let released: string | null = null;
    const join = joinKey !== null && open !== null && open.key === joinKey && open.batch.waiters.length < READ_BATCH_MAX;
    let context: string | null = null;
    let batch: Batch;
    if (join) {
      batch = open.batch;
    } else {
      this.sequence += 1;
      context = `${this.nodeId}/${this.lifeId}/${this.sequence}`; // @mutant:read-context-reused
      batch = { context, sequence: this.sequence, index: null, waiters: [], taken: false };
      this.batches.push(batch);
      this.live += 1;
      // A parked batch this read does not join (other leader or term, or full) leaves now.
      if (open !== null && open.parked) released = open.batch.context;
      const park = joinKey !== null && this.requestInFlight(joinKey);
      this.open = joinKey === null ? null : { batch, key: joinKey, parked: park };
      if (park) context = null;
    }
    const deadlineMs = this.runtime.now() + timeoutMs;
    const promise = new Promise<number>((resolve, reject) => {
      batch.waiters.push({ resolve, reject, timeoutMs, deadlineMs });
    });
    this.waiting += 1;
    this.deadlines.armBy(deadlineMs);
    return { context, released, promise };
  }

  /** The driver took a Ready (the open batch's request is on its way): later reads start a new batch. */
  closeBatch(): void {
    const open = this.open;
    if (open === null || open.parked) return;
    this.inFlight = { batch: open.batch, key: open.key, sentAtMs: this.runtime.now() };
    this.open = null;
  }

  /**
   * The parked batch's context once the request ahead of it has its answer (or is gone): the
   * driver hands it to the core. Null when there is none to send.
   */
  releaseParked(): string | null {
    const open = this.open;
    if (open === null || !open.parked || this.requestInFlight(open.key)) return null;
    open.parked = false;
    return open.batch.context;
  }

  private requestInFlight(key: string): boolean {
    const f = this.inFlight;
    if (f === null) return false;
    if (f.key !== key || f.batch.taken || f.batch.index !== null || this.runtime.now() - f.sentAtMs >= READ_PARK_MS_MAX) {
      this.inFlight = null;
      return false;
    }
    return true;
  }

  granted(states: readonly ReadState[], applied: number): void {
    for (const state of states) {
      const batch = this.find(state.context);
      if (batch !== null) batch.index = state.index;
    }
    this.appliedUpTo(applied);
  }

  failed(failures: readonly ReadFailure[], leader: string | null): void {
    for (const failure of failures) {
      const batch = this.find(failure.context);
      if (batch === null) continue;
      const error = new RaftError(failureCodes[failure.reason], `read failed: ${failure.reason}`, { leader });
      for (const w of this.take(batch)) w.reject(error);
    }
    this.compact();
  }

  appliedUpTo(applied: number): void {
    for (const batch of this.batches) {
      if (batch.taken || batch.index === null || batch.index > applied) continue;
      const index = batch.index;
      for (const w of this.take(batch)) w.resolve(index);
    }
    this.compact();
  }

  /** Fail the reads that have a read index but have not reached it (their leader is gone). */
  failGranted(code: RaftDriverErrorCode, message: string): void {
    for (const batch of this.batches) {
      if (batch.taken || batch.index === null) continue;
      for (const w of this.take(batch)) w.reject(new RaftError(code, message));
    }
    this.compact();
  }

  rejectAll(code: RaftDriverErrorCode, message: string): void {
    for (const batch of this.batches) {
      if (batch.taken) continue;
      for (const w of this.take(batch)) w.reject(new RaftError(code, message));
    }
    this.compact();
    this.deadlines.cancel();
  }

  /** The live batch of a context this life handed out, or null (unknown, another life's, or taken). */
  private find(context: string): Batch | null {
    const sequence = Number(context.slice(context.lastIndexOf('/') + 1));
    if (!Number.isInteger(sequence)) return null;
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const batch = this.batches[mid] as Batch;
      if (batch.sequence === sequence) return !batch.taken && batch.context === context ? batch : null;
      if (batch.sequence < sequence) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** Mark a batch taken and hand back its waiters (a copy: the batch's own list is emptied). */
  private take(batch: Batch): Waiter[] {
    const waiters = batch.waiters.slice();
    batch.waiters.length = 0;
    batch.taken = true;
    this.live -= 1;
    this.waiting -= waiters.length;
    if (this.open?.batch === batch) this.open = null;
    return waiters;
  }

  /** Drop taken batches from the front; rebuild the list when taken ones behind a slow read pile up. */
  private compact(): void {
    let head = 0;
    while (head < this.batches.length && (this.batches[head] as Batch).taken) head += 1;
    if (head === this.batches.length) this.batches.length = 0;
    else if (head > 0) this.batches.splice(0, head);
    if (this.batches.length > COMPACT_SLOTS_MIN && this.batches.length > 2 * this.live) {
      this.batches = this.batches.filter((b) => !b.taken);
    }
  }

  /** Time out every read past its deadline; re-arm for the earliest one left. */
  private expire(): void {
    const nowMs = this.runtime.now();
    let nextMs = Number.POSITIVE_INFINITY;
    for (const batch of this.batches) {
      if (batch.taken) continue;
      if (batch.waiters.some((w) => w.deadlineMs <= nowMs)) this.timeOut(batch, nowMs);
      for (const w of batch.waiters) nextMs = Math.min(nextMs, w.deadlineMs);
    }
    this.compact();
    if (nextMs < Number.POSITIVE_INFINITY) this.deadlines.armBy(nextMs);
  }

  /** Fail the batch's reads past their deadline; the batch goes once none is left. */
  private timeOut(batch: Batch, nowMs: number): void {
    const expired = batch.waiters.filter((w) => w.deadlineMs <= nowMs);
    if (expired.length === batch.waiters.length) {
      this.take(batch);
    } else {
      const kept = batch.waiters.filter((w) => w.deadlineMs > nowMs);
      batch.waiters.length = 0;
      batch.waiters.push(...kept);
      this.waiting -= expired.length;
    }
    for (const w of expired) w.reject(new RaftError(RaftDriverErrorCode.Timeout, `read barrier not reached within ${w.timeoutMs} ms`));
  }
}
