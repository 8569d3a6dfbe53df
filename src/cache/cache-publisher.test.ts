import { describe, expect, it } from 'vitest';
import { CoalescingPublisher, PUBLISH_PENDING_STOCKS_MAX } from './cache-publisher.js';
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

const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('CoalescingPublisher', () => {
  it('publishes at once, merges the batches applied meanwhile into one call with the newest fill per stock', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('a', 1)]);
    publisher.add([fill('a', 2), fill('b', 2)]);
    publisher.add([fill('a', 3)]);
    expect(target.calls).toEqual([[fill('a', 1)]]);
    target.settle();
    await microtasks();
    expect(target.calls).toHaveLength(2);
    expect(target.calls[1]).toEqual([fill('a', 3), fill('b', 2)]);
  });

  it('keeps the newer fill of a stock when an older one arrives later', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('x', 1)]);
    publisher.add([fill('a', 5)]);
    publisher.add([fill('a', 4)]);
    target.settle();
    await microtasks();
    expect(target.calls[1]).toEqual([fill('a', 5)]);
  });

  it('makes no Redis call for a batch without fills, and goes idle when everything settled', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([]); // failed trades or no-ops only
    expect(target.calls).toHaveLength(0);
    publisher.add([fill('a', 1)]);
    target.settle();
    await microtasks();
    expect(target.calls).toHaveLength(1);
    publisher.add([fill('a', 2)]); // nothing in flight: at once
    expect(target.calls).toHaveLength(2);
  });

  it('ignores a failed publish and still publishes later batches', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('a', 1)]);
    publisher.add([fill('a', 2)]);
    target.settle(false);
    await microtasks();
    expect(target.calls[1]).toEqual([fill('a', 2)]);
  });

  it('room() waits while the pending fills are at their bound, until the publish in flight settles', async () => {
    const target = manualTarget();
    const publisher = new CoalescingPublisher(target.publish);
    publisher.add([fill('first', 1)]);
    publisher.add(Array.from({ length: PUBLISH_PENDING_STOCKS_MAX }, (_, i) => fill(`s${i}`, 2)));
    let roomy = false;
    void publisher.room().then(() => (roomy = true));
    await microtasks();
    expect(roomy).toBe(false);
    target.settle();
    await microtasks();
    expect(roomy).toBe(true);
    expect(target.calls[1]).toHaveLength(PUBLISH_PENDING_STOCKS_MAX);
  });
});
