import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGGREGATION } from './aggregate.js';
import { createPriceMetrics } from './price-metrics.js';
import { PricePipeline, type QuoteSource } from './price-pipeline.js';
import type { FetchResult } from './quote-fetcher.js';
import { buildTierMap, tierConfig } from './tiers.js';

const SYMBOLS = ['aaa', 'bbb', 'ccc'];

/** A clock the test moves, and a quote source that counts fetches per symbol. */
function setup(): { pipeline: PricePipeline; fetches: Map<string, number>; clock: { ms: number } } {
  const clock = { ms: 1_700_000_000_000 };
  const fetches = new Map<string, number>();
  const source: QuoteSource = {
    fetchAll: async (symbols): Promise<FetchResult> => {
      for (const s of symbols) fetches.set(s, (fetches.get(s) ?? 0) + 1);
      const quotes = new Map(symbols.map((s) => [s, ['ex1', 'ex2'].map((exchange) => ({ exchange, price: 10, volume: 1, timestamp: clock.ms }))]));
      return { quotes, unavailable: [], exchangeCount: 2 };
    },
  };
  const pipeline = new PricePipeline({
    fetcher: source,
    latestStore: null,
    historyStore: null,
    tierMap: buildTierMap(SYMBOLS),
    tiers: tierConfig(),
    aggregation: DEFAULT_AGGREGATION,
    metrics: createPriceMetrics(new Registry()),
    historyPendingMax: 100,
    onDemandInFlightMax: 100,
    logger: { warn: () => {} },
    nowMs: () => clock.ms,
  });
  return { pipeline, fetches, clock };
}

describe('refreshNow with notBeforeMs (a miss seen at that time)', () => {
  it('answers with a price of this term published at or after the miss, without fetching', async () => {
    const { pipeline, fetches, clock } = setup();
    pipeline.setTerm(4);
    const missMs = clock.ms;
    clock.ms += 50;
    const first = await pipeline.refreshNow('aaa', { notBeforeMs: missMs });
    expect(fetches.get('aaa')).toBe(1);
    clock.ms += 20;
    // A second node's miss, seen before the first refresh was published, arrives late.
    const late = await pipeline.refreshNow('aaa', { notBeforeMs: missMs + 10 });
    expect(late).toBe(first);
    expect(fetches.get('aaa')).toBe(1);
  });

  it('fetches when the miss is newer than the publication, without the option, or in another term', async () => {
    const { pipeline, fetches, clock } = setup();
    pipeline.setTerm(4);
    await pipeline.refreshNow('bbb', { notBeforeMs: clock.ms });
    clock.ms += 20;
    await pipeline.refreshNow('bbb', { notBeforeMs: clock.ms - 10 }); // published at +0: before this miss
    expect(fetches.get('bbb')).toBe(2);
    await pipeline.refreshNow('bbb'); // POST /refresh: always fetches
    expect(fetches.get('bbb')).toBe(3);
    pipeline.setTerm(5);
    const newTerm = await pipeline.refreshNow('bbb', { notBeforeMs: 1 }); // the price in memory is of term 4
    expect(fetches.get('bbb')).toBe(4);
    expect(newTerm.term).toBe(5);
  });
});
