import { stat } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ioFairTimeout } from './exchange-client.js';

/** Keeps the event loop busy (as a burst of HTTP requests on the node does). */
function busyFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

/** Whether an I/O completion that arrived while the loop was stalled past the deadline is seen before the abort. */
async function orderAfterStall(signal: AbortSignal): Promise<string[]> {
  const order: string[] = [];
  const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
  const io = new Promise<void>((resolve) => stat(import.meta.filename, () => resolve()));
  void aborted.then(() => order.push('abort'));
  void io.then(() => order.push('io'));
  busyFor(60);
  await Promise.all([aborted, io]);
  return order;
}

describe('ioFairTimeout', () => {
  it('after a stalled event loop, an I/O completion that arrived in time is handled before the abort (AbortSignal.timeout aborts first)', async () => {
    expect(await orderAfterStall(ioFairTimeout(10).signal)).toEqual(['io', 'abort']);
    expect(await orderAfterStall(AbortSignal.timeout(10))).toEqual(['abort', 'io']);
  });

  it('aborts with a TimeoutError when nothing answers, and never after clear()', async () => {
    const fired = ioFairTimeout(5);
    await new Promise((r) => fired.signal.addEventListener('abort', r));
    expect((fired.signal.reason as Error).name).toBe('TimeoutError');
    const cleared = ioFairTimeout(5);
    cleared.clear();
    await new Promise((r) => setTimeout(r, 30));
    expect(cleared.signal.aborted).toBe(false);
  });
});
