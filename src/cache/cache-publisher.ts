import type { CacheFill } from './stock-cache.js';

/**
 * The leader's cache publish, coalesced: at most one publish to Redis in flight; the batches
 * applied meanwhile merge into the next one (the newest fill per stock: fills are index-fenced,
 * so an older value of a stock adds nothing). Under load a Ready is applied every few
 * milliseconds and each one's script call (argument building, the breaker, ioredis, the Lua
 * script in Redis) cost ~6% of the leader's busy time; merged, fewer and shorter calls carry the
 * same final values. Nothing waits for a publish but `room()`, when the pending fills are at
 * their bound.
 */

/** Stocks waiting for the next publish at most; past it, apply waits for the publish in flight. */
export const PUBLISH_PENDING_STOCKS_MAX = 4096;

export class CoalescingPublisher {
  private pending = new Map<string, CacheFill>();
  private inFlight: Promise<void> | null = null;

  /** `publish` must not reject for Redis trouble (fillMany reports 'unavailable'); a rejection is ignored. */
  constructor(private readonly publish: (fills: CacheFill[]) => Promise<unknown>) {}

  /** Resolves once there is room for another batch's fills (the pending map is under its bound). */
  async room(): Promise<void> {
    while (this.pending.size >= PUBLISH_PENDING_STOCKS_MAX && this.inFlight !== null) await this.inFlight;
  }

  /** Hand over an applied batch's fills; the publish starts at once unless one is in flight. */
  add(fills: readonly CacheFill[]): void {
    for (const fill of fills) {
      const prev = this.pending.get(fill.name);
      if (prev === undefined || prev.index < fill.index) this.pending.set(fill.name, fill);
    }
    if (this.inFlight === null && this.pending.size > 0) this.flush();
  }

  private flush(): void {
    const fills = [...this.pending.values()];
    this.pending = new Map();
    this.inFlight = this.publish(fills).then(
      () => this.settled(),
      () => this.settled(),
    );
  }

  private settled(): void {
    this.inFlight = null;
    if (this.pending.size > 0) this.flush();
  }
}
