interface Waiter<Result> {
  readonly resolve: (value: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The calls of one event-loop turn sent as one batch: `add(item)` answers with the batch's
 * result for that item. Under load a node parses requests from many connections in one turn, and
 * one round trip each costs a socket write, timers and a reply parse per request. The batch leaves
 * in the same turn (setImmediate runs right after the turn's I/O callbacks), so an idle node adds
 * no wait; a batch of `itemsMax` leaves at once and the next one starts. A failed send, or one
 * that answers with a different number of results, fails every item of its batch, as separate
 * calls would have failed. Used for the price GETs (one MGET) and the trades a follower forwards
 * to the leader (one ForwardTrades call).
 */
export class TurnBatcher<Item, Result> {
  private items: Item[] = [];
  private waiters: Waiter<Result>[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (items: Item[]) => Promise<readonly Result[]>,
    private readonly itemsMax: number,
  ) {
    if (!Number.isInteger(itemsMax) || itemsMax < 1) throw new Error(`itemsMax must be an integer >= 1, got ${itemsMax}`);
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.itemsMax) {
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
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    this.send(items).then(
      (results) => {
        if (results.length !== items.length) {
          const error = new Error(`a batch of ${items.length} was answered with ${results.length} results`);
          for (const waiter of waiters) waiter.reject(error);
          return;
        }
        waiters.forEach((waiter, i) => waiter.resolve(results[i] as Result));
      },
      (err: unknown) => {
        for (const waiter of waiters) waiter.reject(err);
      },
    );
  }
}
