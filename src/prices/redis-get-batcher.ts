import type { Redis } from 'ioredis';

/** Keys per MGET at most; a fuller batch is sent at once and the next one starts. */
export const GET_BATCH_KEYS_MAX = 256;

interface Waiter {
  readonly resolve: (value: string | null) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Redis GETs of one event-loop turn sent as one MGET. Under load a node parses requests from
 * many connections in one turn; one GET each cost a socket write, a command timer and a reply
 * parse per request (the largest share of a node's time under 50-connection GET /prices). The
 * batch leaves in the same turn (setImmediate runs right after the turn's I/O callbacks), so an
 * idle node adds no wait. A failed MGET fails every GET of its batch, as the GETs would have.
 */
export class RedisGetBatcher {
  private keys: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(
    private readonly redis: Pick<Redis, 'mget'>,
    private readonly keysMax: number = GET_BATCH_KEYS_MAX,
  ) {
    if (!Number.isInteger(keysMax) || keysMax < 1) throw new Error(`keysMax must be an integer >= 1, got ${keysMax}`);
  }

  get(key: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.keys.push(key);
      this.waiters.push({ resolve, reject });
      if (this.keys.length >= this.keysMax) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (this.keys.length === 0) return;
    const keys = this.keys;
    const waiters = this.waiters;
    this.keys = [];
    this.waiters = [];
    this.redis.mget(keys).then(
      (values) => waiters.forEach((w, i) => w.resolve(values[i] ?? null)),
      (err: unknown) => waiters.forEach((w) => w.reject(err)),
    );
  }
}
