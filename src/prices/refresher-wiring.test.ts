import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../exchange/faults.js';
import { buildExchangeServer } from '../exchange/exchange-server.js';
import { DEFAULT_AGGREGATION } from './aggregate.js';
import { createPriceMetrics } from './price-metrics.js';
import { PriceError } from './price-errors.js';
import { PricePipeline, type QuoteSource } from './price-pipeline.js';
import { QuoteFetcher } from './quote-fetcher.js';
import { TieredRefresher } from './tiered-refresher.js';
import { buildTierMap, tierConfig } from './tiers.js';

const SYMBOLS = ['aaa', 'bbb', 'ccc'];
const servers: FastifyInstance[] = [];
const silent = { warn: () => {}, info: () => {} };

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function exchange(id: string, errorRate: number): Promise<string> {
  const app = buildExchangeServer({ id, seed: 1, stepMs: 100, symbols: SYMBOLS, faults: { ...NO_FAULTS, errorRate } });
  servers.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

describe('breaker wiring', () => {
  it('opens the failing exchange breaker, reports it in metrics, keeps the healthy exchanges', async () => {
    const urls = [await exchange('a', 0), await exchange('b', 0), await exchange('c', 1)];
    const metrics = createPriceMetrics(new Registry());
    const fetcher = new QuoteFetcher(
      urls.map((baseUrl, i) => ({ id: `ex${i + 1}`, baseUrl })),
      { timeoutMs: 500, errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: 60_000, rollingWindowMs: 10_000, connectionsMax: 2, batchWindowMs: 2, queuedSymbolsMax: 1_000 },
      metrics,
    );
    try {
      for (let i = 0; i < 3; i++) {
        const r = await fetcher.fetchAll(SYMBOLS);
        expect(r.unavailable[0]?.detail).toMatch(/^http/);
      }
      expect(fetcher.breakerStates()).toEqual({ ex1: 'closed', ex2: 'closed', ex3: 'open' });
      const result = await fetcher.fetchAll(SYMBOLS);
      expect(result.unavailable).toMatchObject([{ exchange: 'ex3', reason: 'unavailable' }]);
      expect(result.unavailable[0]?.detail).toMatch(/^breaker_open/);
      expect(result.quotes.get('bbb')?.map((q) => q.exchange)).toEqual(['ex1', 'ex2']);
      const gauge = await metrics.breakerState.get();
      expect(gauge.values.find((v) => v.labels['exchange'] === 'ex3')?.value).toBe(2);
      const errors = await metrics.fetchErrors.get();
      expect(errors.values.find((v) => v.labels['reason'] === 'breaker_open')?.value).toBe(1);
    } finally {
      await fetcher.close();
    }
  });
});

describe('refresher leadership', () => {
  it('refreshes the hot tier at once on start(term), stops on stop(), latestPrice from memory', async () => {
    const calls: string[][] = [];
    const source: QuoteSource = {
      fetchAll: async (symbols) => {
        calls.push([...symbols]);
        const now = Date.now();
        const quotes = new Map(symbols.map((s) => [s, [{ exchange: 'x', price: 10, volume: 1, timestamp: now }]]));
        return { quotes, unavailable: [], exchangeCount: 1 };
      },
    };
    const symbols = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const metrics = createPriceMetrics(new Registry());
    const tiers = tierConfig({ hot: 200, medium: 60_000, cold: 60_000 });
    const pipeline = new PricePipeline({
      fetcher: source,
      latestStore: null,
      historyStore: null,
      tierMap: buildTierMap(symbols),
      tiers,
      aggregation: DEFAULT_AGGREGATION,
      metrics,
      historyPendingMax: 100,
      onDemandInFlightMax: 10,
      logger: silent,
    });
    const refresher = new TieredRefresher({ pipeline, symbols, tiers, batchSymbolsMax: 50, slotSpacingMinMs: 1000, batchesInFlightMax: 4, metrics, logger: silent });
    expect(refresher.latestPrice('s0')).toBeNull();
    refresher.start(5);
    await sleep(100);
    expect(calls[0]).toEqual(symbols.slice(0, 20));
    expect(refresher.latestPrice('s0')).toMatchObject({ price: 10, term: 5, sources: ['x'] });
    await sleep(300);
    const hotCalls = calls.filter((c) => c[0] === 's0').length;
    expect(hotCalls).toBeGreaterThanOrEqual(2);
    refresher.stop();
    expect(pipeline.currentTerm()).toBeNull();
    const after = calls.length;
    await sleep(300);
    expect(calls.length).toBe(after);
    await expect(pipeline.refreshNow('s0')).rejects.toThrow(/not the price leader/);
  });
});

describe('refresher outcomes', () => {
  it('counts hot batches refused with 503 and batches that failed', async () => {
    const symbols = Array.from({ length: 25 }, (_, i) => `s${i}`);
    const metrics = createPriceMetrics(new Registry());
    const tiers = tierConfig({ hot: 200, medium: 60_000, cold: 60_000 });
    let term: number | null = null;
    let refuse = true;
    const pipeline = {
      setTerm: (t: number | null) => {
        term = t;
      },
      currentTerm: () => term,
      latestPrice: () => null,
      refreshSymbols: () => Promise.reject(refuse ? new PriceError('BAZAAR_ERR_PRICE_OVERLOADED', 'too many refreshes') : new Error('exchange exploded')),
    } as unknown as PricePipeline;
    const refresher = new TieredRefresher({ pipeline, symbols, tiers, batchSymbolsMax: 50, slotSpacingMinMs: 1000, batchesInFlightMax: 4, metrics, logger: silent });
    const count = async (outcome: string): Promise<number | undefined> =>
      (await metrics.refreshes.get()).values.find((v) => v.labels['tier'] === 'hot' && v.labels['outcome'] === outcome)?.value;
    refresher.start(3);
    await sleep(100);
    expect(await count('refused')).toBe(20);
    expect(await count('failed')).toBeUndefined();
    refuse = false;
    await sleep(250);
    refresher.stop();
    expect(await count('failed')).toBeGreaterThanOrEqual(20);
  });
});
