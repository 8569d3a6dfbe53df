import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * `bazaar_event_loop_delay_seconds{stat="p99"|"max"}`: the event-loop delay over the last
 * completed window of EVENT_LOOP_DELAY_WINDOW_MS (the histogram restarts every window, so a stall
 * shows for one to two windows, then ages out), and `stat="max_since_start"`, the largest delay
 * seen since the node started. Sampled every EVENT_LOOP_DELAY_RESOLUTION_MS by perf_hooks.
 * A scraper polling at least once per window sees every window's figures.
 *
 * The delay is how late the sampling timer fired. perf_hooks records the whole interval between
 * two firings, which is the resolution plus the lateness (an idle loop records 10 ms, a 100-ms
 * stall 110 ms), so every figure here has the resolution subtracted (`delaySecondsOf`).
 */
export const EVENT_LOOP_DELAY_WINDOW_MS = 10_000;
export const EVENT_LOOP_DELAY_RESOLUTION_MS = 10;

/** Lateness in seconds of a timer whose interval perf_hooks recorded as `intervalNs` (>= 0). */
export function delaySecondsOf(intervalNs: number, resolutionMs: number = EVENT_LOOP_DELAY_RESOLUTION_MS): number {
  return Math.max(0, intervalNs / 1e9 - resolutionMs / 1000);
}

export interface EventLoopDelayMonitor {
  stop(): void;
}

export function registerEventLoopDelay(registry: Registry, windowMs = EVENT_LOOP_DELAY_WINDOW_MS): EventLoopDelayMonitor {
  if (!Number.isInteger(windowMs) || windowMs < 100) throw new Error(`windowMs must be an integer >= 100, got ${windowMs}`);
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_DELAY_RESOLUTION_MS });
  histogram.enable();
  const window = { p99: 0, max: 0 };
  let maxSinceStart = 0;
  const rotate = (): void => {
    // Values are nanoseconds; an empty histogram reports max 0 and a huge min.
    window.p99 = histogram.count > 0 ? delaySecondsOf(histogram.percentile(99)) : 0;
    window.max = histogram.count > 0 ? delaySecondsOf(histogram.max) : 0;
    maxSinceStart = Math.max(maxSinceStart, window.max);
    histogram.reset();
  };
  const timer = setInterval(rotate, windowMs);
  timer.unref();
  new Gauge({
    name: 'bazaar_event_loop_delay_seconds',
    help: `Event-loop delay (perf_hooks.monitorEventLoopDelay): p99 and max over the last ${windowMs / 1000} s window, and the max since start`,
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      const currentMax = histogram.count > 0 ? delaySecondsOf(histogram.max) : 0;
      this.set({ stat: 'p99' }, window.p99);
      this.set({ stat: 'max' }, window.max);
      this.set({ stat: 'max_since_start' }, Math.max(maxSinceStart, currentMax));
    },
  });
  return {
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
