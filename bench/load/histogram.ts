import * as hdr from 'hdr-histogram-js';

/** Latencies are recorded in integer microseconds and reported in milliseconds. */
export const LATENCY_RECORD_MAX_US = 120_000_000; // 120 s: anything longer is clamped (and still counted)
const SIGNIFICANT_DIGITS = 3;

/** Percentiles of one latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** A thin wrapper over an HDR histogram (3 significant digits, 1 us .. 120 s). */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_RECORD_MAX_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
  });
  private clampedCount = 0;

  /** Record one latency in milliseconds (fractions allowed). Negative values are a caller bug. */
  recordMs(latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) {
      throw new Error(`latency must be a finite number >= 0 ms, got ${latencyMs}`);
    }
    let us = Math.max(1, Math.round(latencyMs * 1000));
    if (us > LATENCY_RECORD_MAX_US) {
      us = LATENCY_RECORD_MAX_US;
      this.clampedCount++;
    }
    this.histogram.recordValue(us);
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
    this.clampedCount += other.clampedCount;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Values above LATENCY_RECORD_MAX_US recorded as the maximum. */
  get clamped(): number {
    return this.clampedCount;
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) return emptySummary();
    const at = (percentile: number): number => usToMs(h.getValueAtPercentile(percentile));
    return {
      count: h.totalCount,
      meanMs: usToMs(h.mean),
      p50Ms: at(50),
      p95Ms: at(95),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: usToMs(h.maxValue),
    };
  }
}

export function emptySummary(): LatencySummary {
  return { count: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
}

function usToMs(us: number): number {
  return Math.round(us) / 1000;
}
