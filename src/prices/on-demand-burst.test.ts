/**
 * On-demand refresh bursts through the real fetch path (QuoteFetcher: batchers, breakers,
 * undici pools) against three in-process mock exchanges on free loopback ports.
 */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildExchangeServer } from '../exchange/exchange-server.js';
import { NO_FAULTS, type Faults } from '../exchange/faults.js';
import { DEFAULT_AGGREGATION } from './aggregate.js';
import { EXCHANGE_BATCH_SYMBOLS_MAX } from './exchange-client.js';
import { PriceFetchOverloadedError } from './price-errors.js';
import { createPriceMetrics } from './price-metrics.js';
import { PricePipeline } from './price-pipeline.js';
import { DEFAULT_BREAKER, QuoteFetcher, type BreakerOptions } from './quote-fetcher.js';
import { buildTierMap, tierConfig } from './tiers.js';

const SEED = 20261122;
const EXCHANGE_IDS = ['ex1', 'ex2', 'ex3'];
const servers: FastifyInstance[] = [];
const fetchers: QuoteFetcher[] = [];

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function symbolList(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `sym${i}`);
}

async function exchanges(symbols: readonly string[], faults: Partial<Faults> = {}): Promise<string[]> {
  return Promise.all(
    EXCHANGE_IDS.map((id) => {
      const app = buildExchangeServer({ id, seed: SEED, stepMs: 1_000, symbols, faults: { ...NO_FAULTS, ...faults } });
      servers.push(app);
      return app.listen({ host: '127.0.0.1', port: 0 });
    }),
  );
}

interface ExchangeCounts {
  batchRequests: number;
  tickerRequests: number;
  perSymbol: Record<string, number>;
}

async function stats(url: string, symbols: readonly string[]): Promise<ExchangeCounts> {
  const counts: ExchangeCounts = { batchRequests: 0, tickerRequests: 0, perSymbol: {} };
  for (let i = 0; i < symbols.length; i += 200) {
    const chunk = symbols.slice(i, i + 200);
    const reply = (await (await fetch(`${url}/mock/stats?symbols=${chunk.join(',')}`)).json()) as ExchangeCounts;
    Object.assign(counts, { batchRequests: reply.batchRequests, tickerRequests: reply.tickerRequests });
    Object.assign(counts.perSymbol, reply.perSymbol);
  }
  return counts;
}

function pipelineOver(urls: readonly string[], symbols: readonly string[], breaker: Partial<BreakerOptions> = {}): { pipeline: PricePipeline; fetcher: QuoteFetcher } {
  const metrics = createPriceMetrics(new Registry());
  const fetcher = new QuoteFetcher(
    urls.map((baseUrl, i) => ({ id: EXCHANGE_IDS[i] as string, baseUrl })),
    { ...DEFAULT_BREAKER, ...breaker },
    metrics,
  );
  fetchers.push(fetcher);
  const pipeline = new PricePipeline({
    fetcher,
    latestStore: null,
    historyStore: null,
    tierMap: buildTierMap(symbols),
    tiers: tierConfig(),
    aggregation: DEFAULT_AGGREGATION,
    metrics,
    historyPendingMax: 10_000,
    onDemandInFlightMax: 10_000,
    logger: { warn: () => {} },
  });
  pipeline.setTerm(1);
  return { pipeline, fetcher };
}

describe('on-demand refresh burst', () => {
  it('2,000 concurrent refreshes of 500 assets: one batch request per exchange, each asset quoted once per exchange', async () => {
    console.log(`on-demand burst seed ${SEED}`);
    const symbols = symbolList(500);
    const urls = await exchanges(symbols);
    const { pipeline, fetcher } = pipelineOver(urls, symbols);
    const asked = Array.from({ length: 2_000 }, (_, i) => symbols[(i * 7) % symbols.length] as string);
    const prices = await Promise.all(asked.map((s) => pipeline.refreshNow(s)));
    expect(prices.map((p) => p.asset)).toEqual(asked);
    for (const p of prices) expect(p.sources.sort()).toEqual(EXCHANGE_IDS);
    const requestsMax = Math.ceil(symbols.length / EXCHANGE_BATCH_SYMBOLS_MAX);
    for (const url of urls) {
      const counts = await stats(url, symbols);
      expect(counts.tickerRequests, url).toBe(0);
      expect(counts.batchRequests, url).toBeLessThanOrEqual(requestsMax);
      for (const s of symbols) expect(counts.perSymbol[s], `${url} ${s}`).toBe(1);
    }
    expect(Object.values(fetcher.requestCounts())).toEqual(EXCHANGE_IDS.map(() => requestsMax));
  });

  it('time queued behind busy connections is no timeout: 2,000 assets over 1 connection with a 600 ms timeout and 250 ms exchanges', async () => {
    const symbols = symbolList(2_000);
    const urls = await exchanges(symbols, { latencyMs: 250 });
    // 4 requests of 500 one after another on one connection: the last answers ~1,000 ms after the
    // burst, past the timeout, which counts from each request's send (350 ms of margin for a busy CI).
    const { pipeline, fetcher } = pipelineOver(urls, symbols, { timeoutMs: 600, connectionsMax: 1, volumeThreshold: 1 });
    const prices = await Promise.all(symbols.map((s) => pipeline.refreshNow(s)));
    for (const p of prices) expect(p.sources.sort()).toEqual(EXCHANGE_IDS);
    expect(fetcher.breakerStates()).toEqual({ ex1: 'closed', ex2: 'closed', ex3: 'closed' });
    expect(Object.values(fetcher.requestCounts())).toEqual([4, 4, 4]);
  });

  it('past queuedSymbolsMax a refresh is refused with a clear 503 and nothing is sent for it', async () => {
    const symbols = symbolList(1_200);
    const urls = await exchanges(symbols, { latencyMs: 50 });
    const { pipeline, fetcher } = pipelineOver(urls, symbols, { connectionsMax: 1, queuedSymbolsMax: EXCHANGE_BATCH_SYMBOLS_MAX });
    // One request of 500 in flight, 500 queued: the rest is refused.
    const outcomes = await Promise.all(symbols.map((s) => pipeline.refreshNow(s).then(() => 'ok', (e: unknown) => e)));
    const refused = outcomes.filter((o) => o instanceof PriceFetchOverloadedError) as PriceFetchOverloadedError[];
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1_000);
    expect(refused).toHaveLength(200);
    expect(refused[0]?.httpStatus).toBe(503);
    expect(refused[0]?.retryAfterSeconds).toBe(1);
    expect(refused[0]?.message).toMatch(/Price fetch queue full: 1 symbols refused .*500 symbols already waiting/);
    expect(Object.values(fetcher.requestCounts())).toEqual([2, 2, 2]);
    expect(fetcher.breakerStates()).toEqual({ ex1: 'closed', ex2: 'closed', ex3: 'closed' });
  });
});
