/**
 * Intended send times of an open-loop run: request i is due at startMs + i * (1000 / rate),
 * whatever happened to earlier requests. Pure: the caller passes the clock reading.
 */
export class OpenLoopSchedule {
  private nextIndex = 0;
  readonly intervalMs: number;

  constructor(
    readonly startMs: number,
    readonly ratePerSec: number,
    readonly endMs: number,
  ) {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new Error(`ratePerSec must be > 0, got ${ratePerSec}`);
    if (!(endMs > startMs)) throw new Error(`endMs (${endMs}) must be after startMs (${startMs})`);
    this.intervalMs = 1000 / ratePerSec;
  }

  intendedAt(index: number): number {
    return this.startMs + index * this.intervalMs;
  }

  /** Intended times due at `nowMs` not yet handed out, oldest first, at most `countMax`. */
  takeDue(nowMs: number, countMax: number): number[] {
    const due: number[] = [];
    while (due.length < countMax) {
      const at = this.intendedAt(this.nextIndex);
      if (at > nowMs || at >= this.endMs) break;
      due.push(at);
      this.nextIndex++;
    }
    return due;
  }

  /** When the next request is due, or null when the schedule is over. */
  nextDueAt(): number | null {
    const at = this.intendedAt(this.nextIndex);
    return at >= this.endMs ? null : at;
  }

  /** Requests handed out so far. */
  get taken(): number {
    return this.nextIndex;
  }
}
