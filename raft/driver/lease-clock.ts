/**
 * The driver's side of lease reads (RaftConfig.leaseReads): remembers when each core tick
 * happened on the monotonic clock, and says whether the lease that started at a given leader
 * tick still holds.
 *
 * Why a lease is safe for `durationMs`: a follower that answered the leader's heartbeat round
 * refuses votes until electionTimeoutTicks of its own ticks have passed since it heard the
 * heartbeat, and a restarted member refuses them for its first election timeout. Its ticks
 * come from a timer that never fires more often than every tickMs, and the first one may come
 * at once, so no other leader can exist before (electionTimeoutTicks - 1) x tickMs after the
 * round started. The round's start is taken as the time of the tick before it (never later).
 * `driftFraction` is the margin for clock rates that differ between machines; a paused
 * process is covered because the monotonic clock keeps running while it is stopped.
 */
export const LEASE_DRIFT_FRACTION_DEFAULT = 0.2;

export class LeaseClock {
  private readonly tickTimesMs: Float64Array;
  private readonly tickNumbers: Int32Array;
  private tick = 0;
  readonly durationMs: number;

  constructor(electionTimeoutTicks: number, tickMs: number, driftFraction: number, nowMs: number) {
    if (!(driftFraction >= 0 && driftFraction < 1)) throw new Error(`driftFraction must be in [0, 1), got ${driftFraction}`);
    this.durationMs = Math.max(0, (electionTimeoutTicks - 1) * tickMs * (1 - driftFraction));
    const kept = 4 * electionTimeoutTicks;
    this.tickTimesMs = new Float64Array(kept);
    this.tickNumbers = new Int32Array(kept).fill(-1);
    this.record(0, nowMs);
  }

  /** Call just before the core takes its next tick. */
  beforeTick(nowMs: number): void {
    this.tick += 1;
    this.record(this.tick, nowMs);
  }

  /** Whether a lease that started at leader tick `leaseTick` (-1: none) still holds at `nowMs`. */
  holds(leaseTick: number, nowMs: number): boolean {
    if (leaseTick < 0 || this.durationMs === 0) return false;
    const slot = leaseTick % this.tickNumbers.length;
    if (this.tickNumbers[slot] !== leaseTick) return false; // too old to remember: expired long ago
    return nowMs < (this.tickTimesMs[slot] ?? 0) + this.durationMs;
  }

  private record(tick: number, nowMs: number): void {
    const slot = tick % this.tickNumbers.length;
    this.tickNumbers[slot] = tick;
    this.tickTimesMs[slot] = nowMs;
  }
}
