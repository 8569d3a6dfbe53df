/**
 * Price pipeline against real processes: three mock exchanges, redis-server, dynalite.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../cache/redis-server.js';
import { startTestApp } from '../http/app-test-kit.js';
import { loadSymbols } from '../catalog/symbols.js';
import {
  exchangeStats,
  setExchangeFaults,
  startDynaliteProcess,
  startExchangeProcess,
  type ChildHandle,
} from './testing/local-processes.js';
import { FencedError } from './price-errors.js';
import { createPriceService, type PriceService } from './price-service.js';
import { symbolsByTier, tierConfig } from './tiers.js';

const SYMBOL_COUNT = 260; // 20 hot, 180 medium, 60 cold
const SEED = 4242;
let dir = '';
let symbols: string[] = [];
let exchanges: ChildHandle[] = [];
let redisProc: RedisServer | null = null;
let dynalite: ChildHandle | null = null;
let redis: Redis | null = null;
const services: PriceService[] = [];
const warnings: string[] = [];

async function service(overrides: { hotMs?: number } = {}): Promise<PriceService> {
  const created = await createPriceService({
    symbols,
    exchangeUrls: exchanges.map((e) => e.url),
    redis,
    dynamoEndpoint: dynalite?.url ?? null,
    region: 'local',
    registry: new Registry(),
    tiers: tierConfig({ hot: overrides.hotMs ?? 300, medium: 1_000, cold: 2_000 }),
    breaker: { timeoutMs: 500, volumeThreshold: 3, resetTimeoutMs: 60_000 },
    batchSymbolsMax: 50,
    slotSpacingMinMs: 100,
    logger: { warn: (m) => warnings.push(m), info: () => {} },
  });
  services.push(created);
  return created;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; warnings: ${warnings.slice(-5).join(' | ')}`);
}

beforeAll(async () => {
  console.log(`prices slow test seed ${SEED}`);
  dir = await mkdtemp(join(tmpdir(), 'bazaar-prices-'));
  symbols = (await loadSymbols('symbols.csv')).slice(0, SYMBOL_COUNT);
  const symbolsFile = join(dir, 'symbols.csv');
  await writeFile(symbolsFile, `symbol\n${symbols.join('\n')}\n`);
  redisProc = await RedisServer.start();
  [dynalite, ...exchanges] = await Promise.all([
    startDynaliteProcess(join(dir, 'dynamodb')),
    ...[1, 2, 3].map((i) => startExchangeProcess({ id: `ex${i}`, symbolsFile, seed: SEED })),
  ]);
  redis = new Redis(redisProc.url, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  for (const s of services) await s.close();
  redis?.disconnect();
  await Promise.all([...exchanges, dynalite].map((h) => h?.stop()));
  await redisProc?.destroy();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('price pipeline with real exchanges, Redis and dynalite', () => {
  it('2,000 concurrent GETs for cold assets with an empty cache cause at most one fetch per asset per exchange', async () => {
    const svc = await service();
    svc.pipeline.setTerm(1); // on-demand only: the tier schedule is not started
    // The app the node serves (buildApp via the test kit), with this test's price pipeline.
    const { app, close } = await startTestApp({ symbols, prices: svc.routesOptions });
    const cold = symbolsByTier(symbols).cold.slice(0, 10);
    await Promise.all(exchanges.map((e) => fetch(`${e.url}/mock/stats/reset`, { method: 'POST' })));
    const responses = await Promise.all(Array.from({ length: 2_000 }, (_, i) => app.inject({ url: `/prices/${cold[i % cold.length]}` })));
    expect(responses.filter((r) => r.statusCode !== 200).map((r) => r.body).slice(0, 3)).toEqual([]);
    for (const e of exchanges) {
      const stats = await exchangeStats(e.url, cold);
      for (const asset of cold) expect(stats.perSymbol[asset], `${e.url} ${asset}`).toBe(1);
    }
    svc.pipeline.setTerm(null);
    await close();
  });

  it('prices appear for all tiers in Redis and history', async () => {
    const svc = await service();
    svc.refresher.start(2);
    const keys = symbols.map((s) => `price:${s}`);
    await waitFor('a Redis price for every symbol', async () => (await redis!.exists(...keys)) === symbols.length);
    const coldAsset = symbols[SYMBOL_COUNT - 1] as string;
    const point = await svc.historyStore!.latest(coldAsset);
    expect(point).toMatchObject({ asset: coldAsset, term: 2 });
    expect(point!.sources.sort()).toEqual(['ex1', 'ex2', 'ex3']);
    const ttl = await redis!.ttl(`price:${symbols[0]}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1); // hot TTL = ceil(3 x 300 ms) s
    svc.refresher.stop();
  });

  it('an exchange set down opens its breaker and prices continue from the other two', async () => {
    const svc = await service();
    const downUrl = (exchanges[2] as ChildHandle).url;
    await setExchangeFaults(downUrl, { down: true });
    try {
      svc.refresher.start(3);
      await waitFor('ex3 breaker open', () => svc.fetcher.breakerStates()['ex3'] === 'open');
      const openedAt = Date.now();
      const hot = symbols[0] as string;
      await waitFor('a fresh hot price after the breaker opened', () => (svc.refresher.latestPrice(hot)?.updatedAt ?? 0) > openedAt);
      const price = svc.refresher.latestPrice(hot)!;
      expect(price.sources.sort()).toEqual(['ex1', 'ex2']);
      expect(price.excluded).toMatchObject([{ exchange: 'ex3', reason: 'unavailable' }]);
      expect(price.excluded[0]?.detail).toMatch(/breaker_open/);
      const metrics = await svc.metrics.breakerState.get();
      expect(metrics.values.find((v) => v.labels['exchange'] === 'ex3')?.value).toBe(2);
    } finally {
      svc.refresher.stop();
      await setExchangeFaults(downUrl, { down: false });
    }
  });

  it('an outlier exchange does not move the price', async () => {
    const svc = await service();
    svc.pipeline.setTerm(4);
    const asset = symbols[5] as string;
    const honest = await svc.pipeline.refreshNow(asset);
    await setExchangeFaults((exchanges[1] as ChildHandle).url, { outlierSymbol: asset, outlierFactor: 10 });
    try {
      const withOutlier = await svc.pipeline.refreshNow(asset);
      expect(withOutlier.excluded).toMatchObject([{ exchange: 'ex2', reason: 'outlier' }]);
      // The walk moves a little between the two refreshes; the x10 quote would move it ~300%.
      expect(Math.abs(withOutlier.price / honest.price - 1)).toBeLessThan(0.01);
    } finally {
      await setExchangeFaults((exchanges[1] as ChildHandle).url, { outlierSymbol: null });
      svc.pipeline.setTerm(null);
    }
  });

  it('term fence: the term-100 writer is refused after term 101 wrote', async () => {
    const oldLeader = await service();
    const newLeader = await service();
    const asset = symbols[7] as string;
    oldLeader.pipeline.setTerm(100);
    await oldLeader.pipeline.refreshNow(asset);
    newLeader.pipeline.setTerm(101);
    const newer = await newLeader.pipeline.refreshNow(asset);
    await expect(oldLeader.pipeline.refreshNow(asset)).rejects.toBeInstanceOf(FencedError);
    expect(oldLeader.pipeline.currentTerm()).toBeNull();
    const latest = await newLeader.historyStore!.latest(asset);
    expect(latest).toMatchObject({ term: 101, timestamp: newer.timestamp });
    newLeader.pipeline.setTerm(null);
  });
});
