import { describe, expect, it } from 'vitest';
import { getStock, getStockEventually, postTrade } from './testing/bazaar-http.js';
import { useNodeClusterWithRedis } from './testing/cluster-suite.js';

/**
 * Reads racing trades on three real nodes with a real Redis cache: every trade is a BUY of 1 on
 * one stock, so after k acknowledged trades the quantity is at most 100 - k. A linearizable read
 * that started after k acks (or after another read completed with quantity q) must answer
 * <= 100 - k (and <= q). Stale reads (`consistency=stale`, served from Redis or local state)
 * may lag but never show a trade that was not sent yet. The Redis-unreachable-from-leader case is
 * in src/cache.
 *
 * A 503 with Retry-After (allowed by the contract) is counted and printed, not a violation: it
 * returns no value, so it cannot be stale.
 *
 * Not asserted: stale reads on one node going back in time. They can: a value served from Redis
 * (published by the leader) is newer than the follower's local state, and when the next Redis
 * GET times out (opTimeoutMs) the read falls back to that older local state. The design promises
 * "possibly stale", not monotonic stale reads; the count is printed.
 */

const STOCK = 'aapl';
const INITIAL_QUANTITY = 100;
const WRITERS = 2;
const TRADES_PER_WRITER = 40;
const LINEARIZABLE_READERS = 6;
const STALE_READERS_PER_NODE = 1;
/** Bound on the reads of one reader (it also stops when the writers are done). */
const READS_PER_READER_MAX = 5_000;

const need = useNodeClusterWithRedis('cache-race', [STOCK, 'msft']);

describe('reads racing trades through the Redis cache', () => {
  it('never returns a quantity older than an acknowledged trade or an earlier completed read', async () => {
    const c = need();
    let sent = 0;
    let acked = 0;
    /** Lowest quantity returned by a completed linearizable read. */
    let lowestCompleted = INITIAL_QUANTITY;
    let writing = true;
    const violations: string[] = [];
    let linearizableReads = 0;
    let staleReads = 0;
    let staleStepsBack = 0;
    const unavailableReads: string[] = [];

    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < TRADES_PER_WRITER; i++) {
        const node = c.ids[(w + i) % c.ids.length] as string;
        sent += 1;
        const res = await postTrade(c.url(node), { name: STOCK, type: 'BUY', quantity: 1 });
        if (res.status !== 200) violations.push(`trade on ${node}: ${res.status} ${JSON.stringify(res.body)} ${res.error ?? ''}`);
        else acked += 1;
      }
    };
    const linearizableReader = async (r: number): Promise<void> => {
      for (let i = 0; i < READS_PER_READER_MAX && writing; i++) {
        const node = c.ids[(r + i) % c.ids.length] as string;
        const ackedAtStart = acked;
        const lowestAtStart = lowestCompleted;
        const res = await getStock(c.url(node), STOCK);
        const q = res.body?.data?.quantity;
        if (res.status === 503 && res.retryAfter !== null) {
          // Allowed by the contract (an availability blip, not a stale answer): counted, retried.
          unavailableReads.push(`${node}: ${res.body?.error?.message ?? ''} after ${res.elapsedMs.toFixed(0)} ms`);
          continue;
        }
        if (res.status !== 200 || q === undefined) {
          violations.push(`read on ${node}: ${res.status} ${JSON.stringify(res.body)}`);
          continue;
        }
        linearizableReads += 1;
        if (q > INITIAL_QUANTITY - ackedAtStart) violations.push(`read on ${node} started after ${ackedAtStart} acks returned ${q}`);
        if (q > lowestAtStart) violations.push(`read on ${node} started after a read returned ${lowestAtStart}, returned ${q}`);
        lowestCompleted = Math.min(lowestCompleted, q);
      }
    };
    const staleReader = async (node: string): Promise<void> => {
      let last = INITIAL_QUANTITY;
      for (let i = 0; i < READS_PER_READER_MAX && writing; i++) {
        const res = await getStock(c.url(node), STOCK, { stale: true });
        const q = res.body?.data?.quantity;
        if (res.status !== 200 || q === undefined) {
          violations.push(`stale read on ${node}: ${res.status} ${JSON.stringify(res.body)}`);
          continue;
        }
        staleReads += 1;
        if (q < INITIAL_QUANTITY - sent || q > INITIAL_QUANTITY) violations.push(`stale read on ${node} returned ${q} with ${sent} trades sent`);
        if (q > last) staleStepsBack += 1;
        last = q;
      }
    };

    const readers = [
      ...Array.from({ length: LINEARIZABLE_READERS }, (_, r) => linearizableReader(r)),
      ...c.ids.flatMap((node) => Array.from({ length: STALE_READERS_PER_NODE }, () => staleReader(node))),
    ];
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await Promise.all(readers);
    console.log(`cache race: ${acked} trades, ${linearizableReads} linearizable and ${staleReads} stale reads racing them; stale reads that went back on their node: ${staleStepsBack}`);
    if (unavailableReads.length > 0) console.log('linearizable reads answered 503:', unavailableReads);
    expect(violations).toEqual([]);
    expect(acked).toBe(WRITERS * TRADES_PER_WRITER);
    expect(linearizableReads).toBeGreaterThan(acked);
    for (const node of c.ids) {
      expect(await getStockEventually(c.url(node), STOCK)).toMatchObject({ quantity: INITIAL_QUANTITY - acked, volume: acked });
    }
  });
});
