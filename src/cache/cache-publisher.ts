import type { CacheFill } from './stock-cache.js';

/**
 * The leader's cache publish, coalesced: at most one publish to Redis in flight; the batches
 * applied meanwhile merge into the next one (the newest fill per stock: fills are index-fenced,
 * so an older value of a stock adds nothing). Under load a Ready is applied every few
 * milliseconds and each one's script call (argument building, the breaker, ioredis, the Lua
 * script in Redis) cost ~6% of the leader's busy time; merged, fewer and shorter calls carry the
 * same final values. A trade's acknowledgement waits for the publish that covers its index.
 */

/** Stocks waiting for the next publish at most; past it, apply waits for the publish in flight. */
export const PUBLISH_PENDING_STOCKS_MAX = 4096;

interface Waiters {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function waiters(): Waiters {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export class CoalescingPublisher {
  private pending = new Map<string, CacheFill>();
  /** Highest applied index handed over (published once the publish covering it settles). */
  private pendingThrough = 0;
  private pendingWaiters: Waiters | null = null;
  private inFlight: Promise<void> | null = null;
  private inFlightThrough = 0;
  private settledThrough = 0;

  /** `publish` must not reject for Redis trouble (fillMany reports 'unavailable'); a rejection is ignored. */
  constructor(private readonly publish: (fills: CacheFill[]) => Promise<unknown>) {}

  /** Resolves once there is room for another batch's fills (the pending map is under its bound). */
  async room(): Promise<void> {
    while (this.pending.size >= PUBLISH_PENDING_STOCKS_MAX && this.inFlight !== null) await this.inFlight;
  }

  /** Hand over an applied batch: its fills, and the last index it applied (covered even without fills). */
  add(fills: readonly CacheFill[], through: number): void {
    for (const fill of fills) {
      const prev = this.pending.get(fill.name);
      if (prev === undefined || prev.index < fill.index) this.pending.set(fill.name, fill);
    }
    if (through > this.pendingThrough) this.pendingThrough = through;
    if (this.inFlight === null) this.flush();
  }

  /**
   * Resolves once the publish covering `index` (and every earlier one) settled; at once when it
   * already did or when no batch up to `index` was handed over.
   */
  published(index: number): Promise<void> {
    if (index <= this.settledThrough) return Promise.resolve();
    if (index <= this.inFlightThrough && this.inFlight !== null) return this.inFlight;
    if (index <= this.pendingThrough) {
      this.pendingWaiters ??= waiters();
      return this.pendingWaiters.promise;
    }
    return Promise.resolve();
  }

  private flush(): void {
    const fills = [...this.pending.values()];
    const through = this.pendingThrough;
    const done = this.pendingWaiters;
    this.pending = new Map();
    this.pendingWaiters = null;
    this.inFlightThrough = through;
    const run = fills.length === 0 ? Promise.resolve() : this.publish(fills).then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = run.then(() => {
      this.settledThrough = through;
      this.inFlight = null;
      done?.resolve();
      if (this.pendingThrough > through) this.flush();
    });
  }
}
