import { afterEach, describe, expect, it } from 'vitest';
import type { ApplyResult } from '../bazaar/model.js';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import { makeTempDir, normalEntry, openMachine, trade } from '../bazaar/test-support.js';
import type { CacheFill, StockCache } from './stock-cache.js';
import { withCachePublishing } from './stock-reader.js';

/** A cache whose publishes never settle (Redis hung): what the wrapper must not wait for. */
function hungCache(): { cache: StockCache; published: CacheFill[][] } {
  const published: CacheFill[][] = [];
  const cache = { fillMany: (fills: CacheFill[]) => (published.push(fills), new Promise(() => undefined)) } as unknown as StockCache;
  return { cache, published };
}

describe('withCachePublishing (the leader publishes trades to Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function machine(): Promise<BazaarStateMachine> {
    const tmp = await makeTempDir('cache-publishing-');
    const opened = await openMachine(tmp.dir, ['aapl']);
    cleanups.push(async () => {
      await opened.close();
      await tmp.remove();
    });
    return opened;
  }

  it('hands the results to the driver once the publish started, and neither waits for Redis', async () => {
    const { cache, published } = hungCache();
    const publishing = withCachePublishing(await machine(), cache, () => true);
    const early: (readonly ApplyResult[])[] = [];
    const results = await publishing.apply([normalEntry(1, trade('aapl', 'BUY', 3))], (r) => {
      expect(published).toHaveLength(1); // the publish was handed over first
      early.push(r);
    });
    expect(early).toEqual([results]);
    expect(published[0]).toMatchObject([{ name: 'aapl', index: 1, stock: { quantity: 97 } }]);
  });

  it('on a follower publishes nothing and still hands the results over early', async () => {
    const { cache, published } = hungCache();
    const publishing = withCachePublishing(await machine(), cache, () => false);
    const early: (readonly ApplyResult[])[] = [];
    const results = await publishing.apply([normalEntry(1, trade('aapl', 'SELL', 2))], (r) => early.push(r));
    expect(early).toEqual([results]);
    expect(published).toHaveLength(0);
  });
});
