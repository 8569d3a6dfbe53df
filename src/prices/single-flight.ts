/**
 * Single flight: concurrent calls for one key share one in-flight promise. The map holds only
 * in-flight work, bounded by `inFlightMax` (beyond it, callers get an error instead of an
 * unbounded fan-out).
 */
export class SingleFlight<K, V> {
  private readonly inFlight = new Map<K, Promise<V>>();

  constructor(
    private readonly inFlightMax: number,
    private readonly onShared: () => void = () => {},
  ) {
    if (!Number.isInteger(inFlightMax) || inFlightMax < 1) throw new Error(`inFlightMax must be a positive integer, got ${inFlightMax}`);
  }

  run(key: K, work: () => Promise<V>): Promise<V> {
    const existing = this.inFlight.get(key);
    if (existing !== undefined) {
      this.onShared();
      return existing;
    }
    if (this.inFlight.size >= this.inFlightMax) {
      return Promise.reject(new Error(`single flight: ${this.inFlightMax} keys already in flight`));
    }
    const promise = (async () => {
      try {
        return await work();
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, promise);
    return promise;
  }

  size(): number {
    return this.inFlight.size;
  }
}
