import type { StageOutlet } from './toxic-stage.js';

interface Pending {
  readonly chunk: Buffer;
  readonly dueAtMs: number;
}

/**
 * In-order delayed delivery for one stage: chunks leave no earlier than their due time and
 * never overtake each other. Its size is bounded by the link's buffer (the link pauses its
 * source while too many bytes are in flight).
 */
export class DelayQueue {
  private readonly pending: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastDueAtMs = 0;
  private endRequested = false;
  private closed = false;

  constructor(private readonly outlet: StageOutlet) {}

  /** Latest due time queued so far (or 0): the next chunk is never due before it. */
  get tailDueAtMs(): number {
    return this.lastDueAtMs;
  }

  push(chunk: Buffer, dueAtMs: number): void {
    if (this.closed) return;
    const due = Math.max(dueAtMs, this.lastDueAtMs);
    this.lastDueAtMs = due;
    this.pending.push({ chunk, dueAtMs: due });
    this.schedule();
  }

  /** End the output once every queued chunk is out. */
  endAfterDrain(): void {
    if (this.closed) return;
    this.endRequested = true;
    if (this.size() === 0) this.finish();
  }

  /** Deliver everything now (toxic removed), then end if an end was pending. */
  flush(): void {
    this.clearTimer();
    while (this.size() > 0) this.outlet.data(this.shift().chunk);
    if (this.endRequested) this.finish();
  }

  dispose(): void {
    this.clearTimer();
    this.closed = true;
    this.pending.length = 0;
    this.head = 0;
  }

  private size(): number {
    return this.pending.length - this.head;
  }

  private shift(): Pending {
    const item = this.pending[this.head];
    if (item === undefined) throw new Error('delay queue shift on empty queue');
    this.head++;
    if (this.head === this.pending.length) {
      this.pending.length = 0;
      this.head = 0;
    }
    return item;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.size() === 0) return;
    const first = this.pending[this.head];
    if (first === undefined) return;
    const waitMs = Math.max(0, first.dueAtMs - Date.now());
    this.timer = setTimeout(() => this.release(), waitMs);
  }

  private release(): void {
    this.timer = undefined;
    const nowMs = Date.now();
    while (this.size() > 0 && (this.pending[this.head]?.dueAtMs ?? Infinity) <= nowMs) {
      this.outlet.data(this.shift().chunk);
    }
    if (this.size() === 0 && this.endRequested) this.finish();
    else this.schedule();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.outlet.end();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
