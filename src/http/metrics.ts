import { Counter, Histogram, type Registry } from 'prom-client';

/** HTTP-layer metrics. Names are fixed by deploy/METRICS.md. */

export const TradeOutcomeLabel = {
  Executed: 'executed',
  Replayed: 'replayed',
  Insufficient: 'insufficient',
  UnknownStock: 'unknown_stock',
  KeyConflict: 'key_conflict',
  Unavailable: 'unavailable',
  Error: 'error',
} as const;
export type TradeOutcomeLabel = (typeof TradeOutcomeLabel)[keyof typeof TradeOutcomeLabel];

export interface HttpMetrics {
  observeRequest(labels: { route: string; method: string; statusCode: number }, seconds: number): void;
  countTrade(outcome: TradeOutcomeLabel): void;
}

/** Seconds; from sub-millisecond cache hits to multi-second elections. */
const DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  const trades = new Counter({
    name: 'bazaar_trades_total',
    help: 'Trades by outcome (executed, replayed, insufficient, unknown_stock, key_conflict, unavailable, error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    observeRequest: ({ route, method, statusCode }, seconds) =>
      duration.observe({ route, method, status_code: String(statusCode) }, seconds),
    countTrade: (outcome) => trades.inc({ outcome }),
  };
}
