/**
 * Requests that wait for a Raft leader: each waits until the driver's next 'leader-change'
 * event or its own bound, whichever comes first. One entry per waiting request (a request
 * waits once at a time), removed when it wakes, so the set is bounded by the requests in
 * flight, which the HTTP server bounds.
 */
export class LeaderChangeWaiters {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next notify(), or after `boundMs`. */
  wait(boundMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, boundMs));
      this.waiters.add(wake);
    });
  }

  /** Wake every waiter (the leader or this node's role changed). */
  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  get size(): number {
    return this.waiters.size;
  }
}
