import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { delaySecondsOf, EVENT_LOOP_DELAY_RESOLUTION_MS, registerEventLoopDelay, type EventLoopDelayMonitor } from './event-loop-delay.js';

const MS = 1e6; // nanoseconds per millisecond

function blockLoop(ms: number): void {
  const start = performance.now();
  while (performance.now() - start < ms) {
    // busy: nothing else runs on this thread meanwhile
  }
}

async function stat(registry: Registry, name: 'p99' | 'max' | 'max_since_start'): Promise<number> {
  const text = await registry.getSingleMetricAsString('bazaar_event_loop_delay_seconds');
  const match = new RegExp(`stat="${name}"\\} ([\\d.e-]+)`).exec(text);
  if (match === null) throw new Error(`no ${name} in ${text}`);
  return Number(match[1]);
}

describe('event-loop delay', () => {
  let monitor: EventLoopDelayMonitor | null = null;
  afterEach(() => monitor?.stop());

  it('is the lateness of the sampling timer: the recorded interval minus the resolution', () => {
    const resolutionMs = EVENT_LOOP_DELAY_RESOLUTION_MS;
    expect(delaySecondsOf(resolutionMs * MS)).toBe(0); // on time
    expect(delaySecondsOf((resolutionMs + 100) * MS)).toBeCloseTo(0.1, 9); // a 100-ms stall
    expect(delaySecondsOf(3 * MS, 10)).toBe(0); // never negative
    expect(delaySecondsOf(250 * MS, 50)).toBeCloseTo(0.2, 9);
  });

  it('reports a stall of the loop no shorter than it was, in the window and since start', async () => {
    const registry = new Registry();
    monitor = registerEventLoopDelay(registry, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stallMs = 150;
    blockLoop(stallMs);
    // The sampling timer was due at most one resolution before the stall began.
    const floorS = (stallMs - EVENT_LOOP_DELAY_RESOLUTION_MS) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await stat(registry, 'max_since_start')).toBeGreaterThanOrEqual(floorS);
    await new Promise((resolve) => setTimeout(resolve, 850)); // the window holding the stall completed at 1 s, the next one ends at 2 s
    const sinceStart = await stat(registry, 'max_since_start');
    expect(sinceStart).toBeGreaterThanOrEqual(floorS);
    expect(await stat(registry, 'max')).toBeGreaterThanOrEqual(floorS);
    expect(await stat(registry, 'p99')).toBeLessThanOrEqual(sinceStart);
  });
});
