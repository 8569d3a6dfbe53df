import { randomUUID } from 'node:crypto';

/** A scheduled callback that can be cancelled. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * The driver's clock and timers. Nodes use the process's (`processRuntime`); the simulator
 * injects virtual time and decides when each callback runs, deterministically from its seed.
 */
export interface RaftRuntime {
  /** Monotonic milliseconds (lease reads). */
  now(): number;
  /** Call `fn` every `ms` (the Raft tick). */
  every(ms: number, fn: () => void): TimerHandle;
  /** Call `fn` once after `ms` (request timeouts); never keeps the process alive. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Call `fn` on a later turn, after the current one's work (the Ready loop's wake-up). */
  soon(fn: () => void): void;
  /**
   * A name no other process life of this node used. Read contexts carry it: a late answer to
   * a read of a previous life (same node, same term) must not answer a read of this one.
   */
  lifeId(): string;
}

export const processRuntime: RaftRuntime = {
  now: () => performance.now(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return { cancel: () => clearInterval(timer) };
  },
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  soon: (fn) => {
    setImmediate(fn);
  },
  lifeId: () => randomUUID().slice(0, 8),
};
