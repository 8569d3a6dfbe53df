import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATION } from './aggregate.js';
import type { HistoryPoint, HistoryQuery, HistoryStore } from './dynamo-history-store.js';
import { FencedError, NotLeaderError } from './price-errors.js';
import { createPriceMetrics } from './price-metrics.js';
import { HISTORY_WRITE_POINTS_MAX, PricePipeline, uniqueHistoryPoints, type QuoteSource } from './price-pipeline.js';
import type { FetchResult } from './quote-fetcher.js';
import { buildTierMap, tierConfig } from './tiers.js';

const NOW_MS = 1_700_000_000_000;
const SYMBOLS = Array.from({ length: 300 }, (_, i) => `s${i}`);

/** Quotes from three agreeing exchanges, stamped with NOW_MS plus a per-call offset. */
function quoteSource(): QuoteSource {
  let call = 0;
  return {
    fetchAll: async (symbols): Promise<FetchResult> => {
      call++;
      const quotes = new Map(
        symbols.map((s) => [s, ['ex1', 'ex2', 'ex3'].map((exchange, i) => ({ exchange, price: 100 + i * 0.01, volume: 10, timestamp: NOW_MS - 1000 + call }))]),
      );
      return { quotes, unavailable: [], exchangeCount: 3 };
    },
  };
}

/** A history store whose writes finish only when the test says so. */
class GatedStore implements HistoryStore {
  readonly writes: { points: HistoryPoint[]; term: number; finish: (error?: Error) => void }[] = [];

  write(points: readonly HistoryPoint[], term: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ points: [...points], term, finish: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  latest(): Promise<HistoryPoint | null> {
    return Promise.resolve(null);
  }

  range(_asset: string, _query: HistoryQuery): Promise<HistoryPoint[]> {
    return Promise.resolve([]);
  }
}

function pipeline(store: HistoryStore, onFenced: (term: number) => void = () => {}): PricePipeline {
  return new PricePipeline({
    fetcher: quoteSource(),
    latestStore: null,
    historyStore: store,
    tierMap: buildTierMap(SYMBOLS),
    tiers: tierConfig(),
    aggregation: DEFAULT_AGGREGATION,
    metrics: createPriceMetrics(new Registry()),
    historyPendingMax: 10_000,
    onDemandInFlightMax: 1_000,
    logger: { warn: () => {} },
    onFenced,
    nowMs: () => NOW_MS,
  });
}

/** The refresh's error, or 'price' (a handler attached at once: no unhandled rejection). */
function outcome(refresh: Promise<unknown>): Promise<unknown> {
  return refresh.then(
    () => 'price',
    (error: unknown) => error,
  );
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe('history group commit', () => {
  it('writes the points of concurrent refreshes together while one write is in flight', async () => {
    const store = new GatedStore();
    const p = pipeline(store);
    p.setTerm(3);
    const refreshes = SYMBOLS.slice(0, 10).map((s) => p.refreshNow(s));
    await until(() => store.writes.length === 1);
    await new Promise((r) => setTimeout(r, 10)); // the other nine queue behind the first write
    expect(store.writes).toHaveLength(1);
    store.writes[0]?.finish();
    await until(() => store.writes.length === 2);
    expect(store.writes[1]?.points.map((pt) => pt.asset).sort()).toEqual(SYMBOLS.slice(1, 10).sort());
    expect(store.writes[1]?.term).toBe(3);
    store.writes[1]?.finish();
    expect((await Promise.all(refreshes)).map((r) => r.asset)).toEqual(SYMBOLS.slice(0, 10));
  });

  it(`puts at most ${HISTORY_WRITE_POINTS_MAX} points in one write and never mixes terms`, async () => {
    const store = new GatedStore();
    const p = pipeline(store);
    p.setTerm(1);
    const first = outcome(p.refreshNow('s0'));
    await until(() => store.writes.length === 1);
    const queued = SYMBOLS.slice(1, 151).map((s) => outcome(p.refreshNow(s)));
    await new Promise((r) => setTimeout(r, 10));
    p.setTerm(2);
    const later = p.refreshNow('s200');
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 3; i++) {
      store.writes[i]?.finish();
      await until(() => store.writes.length === i + 2);
    }
    store.writes[3]?.finish();
    expect(store.writes.map((w) => [w.term, w.points.length])).toEqual([
      [1, 1],
      [1, HISTORY_WRITE_POINTS_MAX],
      [1, 150 - HISTORY_WRITE_POINTS_MAX],
      [2, 1],
    ]);
    expect((await later).term).toBe(2);
    // The term-1 refreshes finished writing after the term changed: NotLeader, not a price.
    for (const error of await Promise.all([first, ...queued])) expect(error).toBeInstanceOf(NotLeaderError);
  });

  it('fails every refresh of a fenced write and drops the term once', async () => {
    const store = new GatedStore();
    const fenced: number[] = [];
    const p = pipeline(store, (term) => fenced.push(term));
    p.setTerm(5);
    const first = p.refreshNow('s0');
    await until(() => store.writes.length === 1);
    const queued = ['s1', 's2', 's3'].map((s) => outcome(p.refreshNow(s)));
    await new Promise((r) => setTimeout(r, 10));
    store.writes[0]?.finish();
    await until(() => store.writes.length === 2);
    store.writes[1]?.finish(new FencedError(5));
    await first;
    for (const error of await Promise.all(queued)) expect(error).toBeInstanceOf(FencedError);
    expect(fenced).toEqual([5]);
    expect(p.currentTerm()).toBeNull();
  });

  it('keeps one point per (asset, timestamp) in a write, the last', () => {
    const point = (asset: string, timestamp: number, price: number): HistoryPoint => ({
      asset,
      timestamp,
      price,
      updatedAt: timestamp,
      sources: [],
      excluded: [],
      confidence: 0,
      term: 1,
    });
    const unique = uniqueHistoryPoints([point('a', 1, 10), point('b', 1, 20), point('a', 1, 11), point('a', 2, 12)]);
    expect(unique.map((p) => [p.asset, p.timestamp, p.price])).toEqual([
      ['a', 1, 11],
      ['b', 1, 20],
      ['a', 2, 12],
    ]);
  });
});
