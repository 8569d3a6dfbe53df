import type { RaftRuntime, TimerHandle } from '../raft-runtime.js';

/** A manual clock: timers fire only when the test advances time. */
export class ManualRuntime implements RaftRuntime {
  nowMs = 0;
  armed = 0;
  private timers: { atMs: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.nowMs;
  }
  every(): TimerHandle {
    throw new Error('not used');
  }
  after(ms: number, fn: () => void): TimerHandle {
    const timer = { atMs: this.nowMs + ms, fn, live: true };
    this.timers.push(timer);
    this.armed += 1;
    return { cancel: () => void (timer.live = false) };
  }
  soon(fn: () => void): void {
    queueMicrotask(fn);
  }
  lifeId(): string {
    return 'life1';
  }
  pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
  advance(ms: number): void {
    this.nowMs += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.atMs <= this.nowMs).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) return;
      due.live = false;
      due.fn();
    }
  }
}
