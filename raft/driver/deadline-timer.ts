import type { RaftRuntime, TimerHandle } from './raft-runtime.js';

/**
 * One timer for many deadlines (PendingProposals, PendingReads): armed for the earliest one
 * asked for; when it fires, the owner handles what is due and asks again for the next.
 */
export class DeadlineTimer {
  private timer: TimerHandle | null = null;
  private atMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly runtime: RaftRuntime,
    private readonly onFire: () => void,
  ) {}

  /** Make sure the timer fires no later than `atMs` (runtime.now() time). */
  armBy(atMs: number): void {
    if (atMs >= this.atMs) return;
    this.timer?.cancel();
    this.atMs = atMs;
    // Never under 1 ms: a timer may fire a little before runtime.now() reaches its deadline.
    this.timer = this.runtime.after(Math.max(1, atMs - this.runtime.now()), () => {
      this.timer = null;
      this.atMs = Number.POSITIVE_INFINITY;
      this.onFire();
    });
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = null;
    this.atMs = Number.POSITIVE_INFINITY;
  }
}
