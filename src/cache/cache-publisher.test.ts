import { describe, expect, it } from 'vitest';
import { CoalescingPublisher } from './cache-publisher.js';
import type { CacheFill } from './stock-cache.js';

/** A publish target whose calls are settled by the test. */
function manualTarget(): { calls: CacheFill[][]; settle: (ok?: boolean) => void; publish: (fills: CacheFill[]) => Promise<unknown> } {
  const calls: CacheFill[][] = [];
  const settlers: ((ok: boolean) => void)[] = [];
  return {
    calls,
    settle: (ok = true) => settlers.shift()?.(ok),
    publish: (fills) => {
      calls.push(fills);
      return new Promise((resolve, reject) => settlers.push((ok) => (ok ? resolve('ok') : reject(new Error('redis down')))));
    },
  };
}

function fill(name: string, index: number, quantity = index): CacheFill {
  return { name, index, stock: { name, quantity, volume: 0, modifiedIndex: index } };
}

async function flushed(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe('CoalescingPublisher', () => {
  it('publishes at once, merges the batches applied meanwhile into one call with the newest fill per stock', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('a', 1)], 1);
    publisher.add([fill('a', 2), fill('b', 2)], 2);
    publisher.add([fill('a', 3)], 3);
    expect(target.calls).toEqual([[fill('a', 1)]]);
    target.settle();
    await flushed(publisher.published(1));
    expect(target.calls).toHaveLength(2);
    expect(target.calls[1]).toEqual([fill('a', 3), fill('b', 2)]);
  });

  it('resolves published(index) only once the publish covering it settled', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('a', 1)], 1);
    publisher.add([fill('b', 2)], 2);
    const first = publisher.published(1);
    const second = publisher.published(2);
    expect(await flushed(first)).toBe(false);
    target.settle();
    expect(await flushed(first)).toBe(true);
    expect(await flushed(second)).toBe(false);
    target.settle();
    expect(await flushed(second)).toBe(true);
    expect(await flushed(publisher.published(2))).toBe(true);
  });

  it('covers indices of batches without fills, and indices never handed over resolve at once', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    expect(await flushed(publisher.published(7))).toBe(true);
    publisher.add([], 3); // failed trades or no-ops only: no Redis call
    expect(target.calls).toHaveLength(0);
    expect(await flushed(publisher.published(3))).toBe(true);
  });

  it('ignores a failed publish and still publishes later batches', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('a', 1)], 1);
    publisher.add([fill('a', 2)], 2);
    target.settle(false);
    expect(await flushed(publisher.published(1))).toBe(true);
    expect(target.calls[1]).toEqual([fill('a', 2)]);
    target.settle();
    expect(await flushed(publisher.published(2))).toBe(true);
  });
});
