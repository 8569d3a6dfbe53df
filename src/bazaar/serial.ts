import { BazaarError, BazaarErrorCode } from '../errors.js';

/** Runs async tasks one at a time, in call order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

interface Waiter {
  readonly index: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Callers waiting for the applied index to reach a value; bounded in number and time. */
export class AppliedWaiters {
  private readonly waiters = new Set<Waiter>();
  private failure: Error | null = null;

  constructor(private readonly waitersMax: number) {}

  wait(index: number, applied: number, timeoutMs: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (applied >= index) return Promise.resolve();
    if (this.waiters.size >= this.waitersMax) {
      return Promise.reject(new BazaarError(BazaarErrorCode.Unavailable, `too many reads waiting for apply (${this.waitersMax})`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        index,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new BazaarError(BazaarErrorCode.Unavailable, `applied index did not reach ${index} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  notify(applied: number): void {
    for (const waiter of this.waiters) {
      if (waiter.index <= applied) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  failAll(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters.clear();
  }
}
