import type { RaftRuntime, TimerHandle } from '../driver/raft-runtime.js';

/** Milliseconds of virtual time per simulated tick (the drivers' tickMs). */
export const simTickMs = 10;
/** Wake-up rounds one settle may take before the harness calls a node's loop stuck. */
export const settleRoundsMax = 10_000;

/** Who owns a callback: a node incarnation, which a crash ends. */
export interface Owner {
  readonly id: string;
  readonly number: number;
  readonly alive: boolean;
}

interface Timer {
  readonly owner: Owner;
  dueMs: number;
  readonly everyMs: number;
  readonly fn: () => void;
  cancelled: boolean;
}

const realTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Virtual time and the event loop of every simulated node. The drivers' `every` timers (the
 * Raft tick) and `after` timers fire only when the simulator advances time; `soon` callbacks
 * run when the simulator settles. Callbacks of a crashed incarnation never run. Deterministic:
 * the order of callbacks is the order they were scheduled in.
 */
export class SimScheduler {
  nowMs = 0;
  private immediates: { owner: Owner; fn: () => void }[] = [];
  private timers: Timer[] = [];
  /** Node code was resumed outside a wake-up (stalled I/O completed): its promise work must run. */
  private kicked = false;

  /** Call after resuming a node's promise (stalled I/O) so the next settle lets it run. */
  kick(): void {
    this.kicked = true;
  }

  runtimeFor(owner: Owner): RaftRuntime {
    return {
      now: () => this.nowMs,
      every: (ms, fn) => this.addTimer(owner, ms, ms, fn),
      after: (ms, fn) => this.addTimer(owner, ms, 0, fn),
      soon: (fn) => {
        this.immediates.push({ owner, fn });
      },
      lifeId: () => `${owner.id}.${owner.number}`,
    };
  }

  /**
   * Advance virtual time to `nowMs` and fire every due timer whose owner passes `fires`
   * (a paused or clock-skipping node misses its tick). Ticks fire in registration order.
   */
  advanceTo(nowMs: number, fires: (owner: Owner) => boolean): void {
    this.nowMs = nowMs;
    this.timers = this.timers.filter((timer) => !timer.cancelled && timer.owner.alive);
    for (const timer of [...this.timers]) {
      if (timer.cancelled || timer.dueMs > nowMs) continue;
      if (timer.everyMs > 0) timer.dueMs = nowMs + timer.everyMs;
      else timer.cancelled = true;
      if (fires(timer.owner)) timer.fn();
    }
  }

  /** Run every scheduled wake-up and all the promise work it causes, until nothing is left. */
  async settle(): Promise<void> {
    if (this.immediates.length === 0 && !this.kicked) return;
    this.kicked = false;
    for (let round = 0; ; round++) {
      if (round >= settleRoundsMax) throw new Error(`nodes still busy after ${settleRoundsMax} wake-up rounds`);
      const batch = this.immediates;
      this.immediates = [];
      for (const item of batch) if (item.owner.alive) item.fn();
      // One turn of the real event loop runs every promise continuation the callbacks started.
      await realTurn();
      if (this.immediates.length === 0) return;
    }
  }

  private addTimer(owner: Owner, firstMs: number, everyMs: number, fn: () => void): TimerHandle {
    const timer: Timer = { owner, dueMs: this.nowMs + firstMs, everyMs, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }
}
