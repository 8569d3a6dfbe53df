import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Breaker state as a gauge value. */
export const BreakerStateValue = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof BreakerStateValue;

/**
 * The price pipeline's metrics, registered on a caller-supplied Registry (create once per
 * registry: prom-client refuses duplicate names).
 */
export interface PriceMetrics {
  breakerState: Gauge<'exchange'>;
  fetchDuration: Histogram<'exchange'>;
  fetchErrors: Counter<'exchange' | 'reason'>;
  refreshLag: Histogram<'tier'>;
  refreshes: Counter<'tier' | 'outcome'>;
  /** Age of the published prices per tier; set by a collect callback given later. */
  priceAge: Gauge<'tier' | 'stat'>;
  historyWrites: Counter;
  historyFenced: Counter;
  historyDropped: Counter;
  singleFlightShared: Counter;
  /** Give the source of price ages (seconds per tier) read at each scrape. */
  setPriceAgeSource(source: () => Record<string, number[]>): void;
}

/** Quantile of an ascending-sorted list (nearest rank); 0 for an empty list. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

type Registers = Registry[];

function exchangeMetrics(registers: Registers): Pick<PriceMetrics, 'breakerState' | 'fetchDuration' | 'fetchErrors'> {
  return {
    breakerState: new Gauge({
      name: 'bazaar_exchange_breaker_state',
      help: 'Circuit breaker state per exchange: 0 closed, 1 half-open, 2 open',
      labelNames: ['exchange'],
      registers,
    }),
    fetchDuration: new Histogram({
      name: 'bazaar_exchange_fetch_duration_seconds',
      help: 'Latency of batch quote fetches per exchange',
      labelNames: ['exchange'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    fetchErrors: new Counter({
      name: 'bazaar_exchange_fetch_errors_total',
      help: 'Failed quote fetches per exchange and reason (timeout, http, connection, bad_response, breaker_open)',
      labelNames: ['exchange', 'reason'],
      registers,
    }),
  };
}

function refreshMetrics(registers: Registers, ageSource: () => (() => Record<string, number[]>) | null): Pick<PriceMetrics, 'refreshLag' | 'refreshes' | 'priceAge'> {
  return {
    refreshLag: new Histogram({
      name: 'bazaar_price_refresh_lag_seconds',
      help: 'How late a scheduled tier refresh slot started',
      labelNames: ['tier'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    }),
    refreshes: new Counter({
      name: 'bazaar_price_refreshes_total',
      help: 'Asset refreshes per tier and outcome (fresh, stale, none; skipped: batches in flight at the bound; refused: 503 not leader or overloaded; failed)',
      labelNames: ['tier', 'outcome'],
      registers,
    }),
    priceAge: new Gauge({
      name: 'bazaar_price_age_seconds',
      help: 'Age of published prices per tier (stat: p50, p99, max)',
      labelNames: ['tier', 'stat'],
      registers,
      collect() {
        const source = ageSource();
        if (source === null) return;
        for (const [tier, ages] of Object.entries(source())) {
          const sorted = [...ages].sort((a, b) => a - b);
          this.set({ tier, stat: 'p50' }, quantileSorted(sorted, 0.5));
          this.set({ tier, stat: 'p99' }, quantileSorted(sorted, 0.99));
          this.set({ tier, stat: 'max' }, sorted[sorted.length - 1] ?? 0);
        }
      },
    }),
  };
}

function historyMetrics(registers: Registers): Pick<PriceMetrics, 'historyWrites' | 'historyFenced' | 'historyDropped' | 'singleFlightShared'> {
  return {
    historyWrites: new Counter({
      name: 'bazaar_price_history_writes_total',
      help: 'Price points written to the history table',
      registers,
    }),
    historyFenced: new Counter({
      name: 'bazaar_price_history_fenced_total',
      help: 'History batches refused because a newer Raft term holds the writer fence',
      registers,
    }),
    historyDropped: new Counter({
      name: 'bazaar_price_history_dropped_total',
      help: 'History points dropped (write queue full or write failed)',
      registers,
    }),
    singleFlightShared: new Counter({
      name: 'bazaar_price_single_flight_shared_total',
      help: 'Requests that joined an in-flight fetch for the same asset instead of starting one',
      registers,
    }),
  };
}

export function createPriceMetrics(registry: Registry): PriceMetrics {
  const registers = [registry];
  let ageSource: (() => Record<string, number[]>) | null = null;
  return {
    setPriceAgeSource: (source) => {
      ageSource = source;
    },
    ...exchangeMetrics(registers),
    ...refreshMetrics(registers, () => ageSource),
    ...historyMetrics(registers),
  };
}
