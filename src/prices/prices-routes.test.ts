import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../http/app-test-kit.js';
import { ExchangesUnavailableError, NoPriceError, NotLeaderError, PriceError } from './price-errors.js';
import type { RefreshNowOptions } from './price-pipeline.js';
import type { AggregatedPrice } from './price-types.js';
import { formatTimeAgo, formatUtc } from './price-view.js';
import { MemoryHistory, MemoryLatest } from './testing/memory-stores.js';
import { MISS_REFRESH_ATTEMPTS_MAX } from './price-lookup.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const SYMBOLS = Array.from({ length: 300 }, (_, i) => (i === 0 ? 'btcusdt' : `s${i}`));

function price(asset: string, timestamp: number, extra: Partial<AggregatedPrice> = {}): AggregatedPrice {
  return { asset, price: 42.5, timestamp, updatedAt: timestamp + 1, sources: ['ex1', 'ex2'], excluded: [], confidence: 0.001, stale: false, term: 7, ...extra };
}

const started: TestApp[] = [];
afterEach(async () => {
  for (const t of started.splice(0)) await t.close();
});

/** The production app (every route module) with in-memory price stores and a scripted refresh. */
async function build(refreshNow: (asset: string, options?: RefreshNowOptions) => Promise<AggregatedPrice>) {
  const latest = new MemoryLatest();
  const history = new MemoryHistory();
  const t = await startTestApp({ symbols: SYMBOLS, prices: { latestStore: latest, historyStore: history, refreshNow, nowMs: () => NOW } });
  started.push(t);
  return { app: t.app, latest, history };
}

describe('price view formatting', () => {
  it('formats UTC time and time ago', () => {
    expect(formatUtc(NOW)).toBe('2024-01-02 03:04:05');
    expect(formatTimeAgo(5_400)).toBe('5s ago');
    expect(formatTimeAgo(125_000)).toBe('2m ago');
  });
});

describe('prices routes', () => {
  it('serves a cached price with seed-compatible fields; symbols are case-insensitive', async () => {
    const { app, latest } = await build(async () => {
      throw new Error('must not refresh');
    });
    latest.map.set('btcusdt', price('btcusdt', NOW - 5_000));
    const res = await app.inject({ url: '/prices/BTCUSDT' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      asset: 'btcusdt',
      price: 42.5,
      last_updated: '2024-01-02 03:04:00',
      time_ago: '5s ago',
      refresh_tier: 'hot',
      timestamp: NOW - 5_000,
      age_ms: 5_000,
      stale: true, // hot TTL is 3 s
      sources: ['ex1', 'ex2'],
      confidence: 0.001,
    });
  });

  it('unknown asset: 400 with the seed error body', async () => {
    const { app } = await build(async (a) => price(a, NOW));
    const res = await app.inject({ url: '/prices/nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 400, message: 'Invalid asset symbol' }, msg: 'Invalid asset symbol' });
    expect((await app.inject({ method: 'POST', url: '/refresh/nope' })).statusCode).toBe(400);
  });

  it('miss: uses a fresh DynamoDB point, else refreshes; concurrent misses share one refresh', async () => {
    let calls = 0;
    const { app, history } = await build(async (asset) => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return price(asset, NOW - 100);
    });
    history.points.push({ ...price('s250', NOW - 10_000), updatedAt: 0 });
    const fromHistory = await app.inject({ url: '/prices/s250' });
    expect(fromHistory.json()).toMatchObject({ refresh_tier: 'cold', timestamp: NOW - 10_000, stale: false });
    expect(calls).toBe(0);
    const many = await Promise.all(Array.from({ length: 50 }, () => app.inject({ url: '/prices/s260' })));
    expect(many.every((r) => r.statusCode === 200 && r.json().timestamp === NOW - 100)).toBe(true);
    expect(calls).toBe(1);
  });

  it('refresh failures: old history point served stale, else 404 / 503 with Retry-After', async () => {
    let error: Error = new NoPriceError('x', 'all stale');
    const { app, history } = await build(async () => {
      throw error;
    });
    expect((await app.inject({ url: '/prices/s270' })).statusCode).toBe(404);
    error = new ExchangesUnavailableError('s270', 'all down');
    const down = await app.inject({ url: '/prices/s270' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json().msg).toMatch(/Exchanges unavailable/);
    history.points.push(price('s270', NOW - 3_600_000));
    const old = await app.inject({ url: '/prices/s270' });
    expect(old.json()).toMatchObject({ stale: true, time_ago: '1h ago' });
  });

  it('a miss refresh carries the time the miss was seen; POST /refresh carries none', async () => {
    const seen: (RefreshNowOptions | undefined)[] = [];
    const { app } = await build(async (asset, options) => {
      seen.push(options);
      return price(asset, NOW - 100);
    });
    expect((await app.inject({ url: '/prices/s261' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/refresh/s261' })).statusCode).toBe(200);
    expect(seen).toEqual([{ notBeforeMs: NOW }, undefined]);
  });

  it(`a miss refresh that reached no leader is retried, at most ${MISS_REFRESH_ATTEMPTS_MAX} attempts; other errors are not`, async () => {
    const forwardFailed = (): PriceError => new PriceError('BAZAAR_ERR_UNAVAILABLE', 'forwarding the refresh to leader n1 failed: 4 DEADLINE_EXCEEDED');
    const failures = new Map<string, Error[]>([
      ['s262', [forwardFailed(), new NotLeaderError(), new PriceError('RAFT_ERR_NOT_LEADER', 'not the leader')]],
      ['s263', Array.from({ length: MISS_REFRESH_ATTEMPTS_MAX }, forwardFailed)],
      ['s264', [new ExchangesUnavailableError('s264', 'all down')]],
    ]);
    const attempts = new Map<string, number>();
    const { app } = await build(async (asset) => {
      attempts.set(asset, (attempts.get(asset) ?? 0) + 1);
      const next = failures.get(asset)?.shift();
      if (next !== undefined) throw next;
      return price(asset, NOW - 100);
    });
    expect((await app.inject({ url: '/prices/s262' })).statusCode).toBe(200);
    const exhausted = await app.inject({ url: '/prices/s263' });
    expect(exhausted.statusCode).toBe(503);
    expect(exhausted.json().msg).toMatch(/DEADLINE_EXCEEDED/);
    expect((await app.inject({ url: '/prices/s264' })).statusCode).toBe(503);
    expect(Object.fromEntries(attempts)).toEqual({ s262: 4, s263: MISS_REFRESH_ATTEMPTS_MAX, s264: 1 });
  });

  it('POST /refresh returns the message and price fields', async () => {
    const { app } = await build(async (asset) => price(asset, NOW - 1_000));
    const res = await app.inject({ method: 'POST', url: '/refresh/s5' });
    expect(res.json()).toMatchObject({ message: 'Price for s5 refreshed', asset: 's5', refresh_tier: 'hot', time_ago: '1s ago' });
  });

  it('history: newest first within from/to, limit validated', async () => {
    const { app, history } = await build(async (a) => price(a, NOW));
    for (let i = 0; i < 10; i++) history.points.push(price('s9', 1000 + i));
    const res = await app.inject({ url: '/prices/s9/history?from=1002&to=1007&limit=3' });
    expect(res.json().points.map((p: { timestamp: number }) => p.timestamp)).toEqual([1007, 1006, 1005]);
    const bad = await app.inject({ url: '/prices/s9/history?limit=5000' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe(400);
  });
});
