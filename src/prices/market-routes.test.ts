import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { reserveFreePort } from '../../common/free-port.js';
import { startTestApp, type TestApp } from '../http/app-test-kit.js';
import type { HistoryPoint, HistoryStore } from './dynamo-history-store.js';
import { PriceStreamHub } from './price-stream-hub.js';
import type { AggregatedPrice } from './price-types.js';
import type { LatestPriceStore } from './redis-price-store.js';
import { buildTierMap, tierConfig } from './tiers.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const SYMBOLS = ['btcusdt', 'ethusdt', 'solusdt'];

const price = (asset: string, timestamp: number, value = 42.5): AggregatedPrice => ({
  asset,
  price: value,
  timestamp,
  updatedAt: timestamp + 1,
  sources: ['ex1', 'ex2'],
  excluded: [],
  confidence: 0.001,
  stale: false,
  term: 3,
});

class MemoryLatest implements LatestPriceStore {
  readonly map = new Map<string, AggregatedPrice>();
  async get(asset: string) {
    return this.map.get(asset) ?? null;
  }
  async putMany(entries: readonly { price: AggregatedPrice }[]) {
    for (const e of entries) this.map.set(e.price.asset, e.price);
  }
}

/** Pure in-memory history with the DynamoDB store's contract (newest first, limit). */
class MemoryHistory implements HistoryStore {
  readonly points: HistoryPoint[] = [];
  queries = 0;
  async write(points: readonly HistoryPoint[]) {
    this.points.push(...points);
  }
  async latest() {
    return null;
  }
  async range(asset: string, q: { fromMs: number; toMs: number; limit: number }) {
    this.queries += 1;
    return this.points
      .filter((p) => p.asset === asset && p.timestamp >= q.fromMs && p.timestamp <= q.toMs)
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, q.limit);
  }
}

const point = (timestamp: number, value: number): HistoryPoint => ({
  asset: 'btcusdt',
  timestamp,
  price: value,
  updatedAt: timestamp,
  sources: ['ex1'],
  excluded: [],
  confidence: 0,
  term: 1,
});

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function start(over: { streamsMax?: number } = {}) {
  const latest = new MemoryLatest();
  const history = new MemoryHistory();
  const hub = new PriceStreamHub({ windowEventsMax: 100, streamsMax: over.streamsMax ?? 10, clientBufferBytesMax: 64 * 1024, epoch: 'ep' });
  t = await startTestApp({
    symbols: SYMBOLS,
    market: { tierMap: buildTierMap(SYMBOLS), tiers: tierConfig(), latestStore: latest, historyStore: history, hub, keepAliveMs: 50, nowMs: () => NOW },
  });
  return { app: t.app, latest, history, hub };
}

describe('GET /prices?assets=', () => {
  it('answers the latest of each asset, lists unknown and missing ones', async () => {
    const { app, latest } = await start();
    await latest.putMany([{ price: price('btcusdt', NOW - 2_000) }]);
    const res = await app.inject({ url: '/prices?assets=BTCUSDT,nosuch,ethusdt,btcusdt' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { prices: { asset: string; age_ms: number; sources: string[] }[]; unknown: string[]; missing: string[] };
    expect(body.prices).toHaveLength(1);
    expect(body.prices[0]).toMatchObject({ asset: 'btcusdt', price: 42.5, age_ms: 2_000, sources: ['ex1', 'ex2'], stale: false, refresh_tier: 'hot' });
    expect(body.unknown).toEqual(['nosuch']);
    expect(body.missing).toEqual(['ethusdt']);
  });

  it('refuses 0 or more than 100 assets with the error contract', async () => {
    const { app } = await start();
    const many = Array.from({ length: 101 }, (_, i) => `a${i}`).join(',');
    for (const url of ['/prices?assets=', '/prices?assets=,,', `/prices?assets=${many}`, '/prices']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: { code: 400, message: expect.any(String) } });
    }
  });
});

describe('GET /prices/:asset/candles', () => {
  it('builds OHLC candles of the window, omitting empty intervals', async () => {
    const { app, history } = await start();
    const minute = Math.floor(NOW / 60_000) * 60_000;
    await history.write([point(minute - 120_000 + 1, 10), point(minute - 120_000 + 30_000, 12), point(minute + 5, 11), point(minute + 10, 9)]);
    const res = await app.inject({ url: '/prices/btcusdt/candles?interval=1m&limit=5' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { candles: { start: number; open: number; high: number; low: number; close: number; points: number }[]; empty_intervals: string; truncated: boolean };
    expect(body.empty_intervals).toBe('omitted');
    expect(body.truncated).toBe(false);
    expect(body.candles).toEqual([
      { start: minute - 120_000, open: 10, high: 12, low: 10, close: 12, points: 2, first_timestamp: minute - 119_999, last_timestamp: minute - 90_000 },
      { start: minute, open: 11, high: 11, low: 9, close: 9, points: 2, first_timestamp: minute + 5, last_timestamp: minute + 10 },
    ]);
  });

  it('reads a bounded number of points and answers only complete candles', async () => {
    const { app, history } = await start();
    const hour = Math.floor(NOW / 3_600_000) * 3_600_000;
    // A point every 400 ms for 4 hours before `hour` and after it: more than CANDLE_POINTS_MAX (20,000) in range.
    for (let i = 0; i < 40_000; i++) history.points.push(point(hour - 4 * 3_600_000 + i * 400, 100 + (i % 7)));
    const res = await app.inject({ url: `/prices/btcusdt/candles?interval=1h&from=0&to=${NOW}&limit=10` });
    const body = res.json() as { candles: { start: number; points: number }[]; truncated: boolean };
    expect(body.truncated).toBe(true);
    expect(history.queries).toBe(20);
    // 20,000 points reach back 8,000 s from NOW (03:04:05): the 00:00 hour is cut, so only 01:00 onwards;
    // the 03:00 hour holds the points of 03:00:00.000..03:04:04.800, 613 of them.
    expect(body.candles.map((c) => c.start)).toEqual([hour - 2 * 3_600_000, hour - 3_600_000, hour]);
    expect(body.candles.map((c) => c.points)).toEqual([9_000, 9_000, 613]);
  });

  it('refuses unknown assets, bad intervals and from > to', async () => {
    const { app } = await start();
    for (const url of ['/prices/nosuch/candles', '/prices/btcusdt/candles?interval=2m', '/prices/btcusdt/candles?from=10&to=5', '/prices/btcusdt/candles?limit=501']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: { code: 400 } });
    }
  });
});

/** Open an SSE stream over a real socket; resolves with the response once headers arrive. */
function openStream(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: () => string; close: () => void }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, text: () => text, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GET /prices/stream', () => {
  it('streams published prices of the asked assets with ids, keep-alives, and resumes after Last-Event-ID', async () => {
    const { app, hub } = await start();
    const port = await reserveFreePort();
    await app.listen({ host: '127.0.0.1', port });
    const stream = await openStream(port, '/prices/stream?assets=btcusdt');
    expect(stream.status).toBe(200);
    await until(() => hub.streamCount === 1);
    hub.publish([{ price: price('ethusdt', NOW), publishedAtMs: NOW }, { price: price('btcusdt', NOW, 50), publishedAtMs: NOW }]);
    await until(() => stream.text().includes('id: ep-2'));
    expect(stream.text()).not.toContain('"asset":"ethusdt"');
    expect(stream.text()).toMatch(/event: price\ndata: \{"asset":"btcusdt","price":50,/);
    await until(() => stream.text().includes(': keep-alive'));
    stream.close();
    await until(() => hub.streamCount === 0);
    hub.publish([{ price: price('btcusdt', NOW + 1, 51), publishedAtMs: NOW + 1 }, { price: price('btcusdt', NOW + 2, 52), publishedAtMs: NOW + 2 }]);
    const resumed = await openStream(port, '/prices/stream?assets=btcusdt', { 'last-event-id': 'ep-2' });
    await until(() => resumed.text().includes('id: ep-4'));
    expect([...resumed.text().matchAll(/^id: (\S+)/gm)].map((m) => m[1])).toEqual(['ep-3', 'ep-4']);
    resumed.close();
  });

  it('refuses unknown assets (400) and streams beyond the bound (503), counting them in metrics', async () => {
    const { app, hub } = await start({ streamsMax: 1 });
    const port = await reserveFreePort();
    await app.listen({ host: '127.0.0.1', port });
    expect((await app.inject({ url: '/prices/stream?assets=nosuch' })).statusCode).toBe(400);
    const first = await openStream(port, '/prices/stream');
    await until(() => hub.streamCount === 1);
    const refused = await app.inject({ url: '/prices/stream' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 503, message: expect.stringMatching(/too many price streams/) } });
    first.close();
  });
});

describe('closing the app', () => {
  it('ends open streams, so a stopping node does not wait for its SSE clients', async () => {
    const { app, hub } = await start();
    const port = await reserveFreePort();
    await app.listen({ host: '127.0.0.1', port });
    const ended = new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/prices/stream' }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
    await until(() => hub.streamCount === 1);
    const startedMs = Date.now();
    await t?.close();
    t = null;
    await ended;
    expect(hub.streamCount).toBe(0);
    expect(Date.now() - startedMs).toBeLessThan(5_000);
  });
});

describe('a client that does not read', () => {
  it('is dropped once its unsent backlog passes the per-client bound; a reading client keeps its stream', async () => {
    const { app, hub } = await start();
    const port = await reserveFreePort();
    await app.listen({ host: '127.0.0.1', port });
    const stalled = connect({ host: '127.0.0.1', port });
    stalled.write('GET /prices/stream HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.pause(); // never reads: the kernel buffers fill, then the node's
    let stalledClosed = false;
    stalled.on('close', () => (stalledClosed = true));
    stalled.on('error', () => undefined);
    await until(() => hub.streamCount === 1);
    const reader = await openStream(port, '/prices/stream?assets=btcusdt');
    await until(() => hub.streamCount === 2);
    const batch = Array.from({ length: 200 }, (_, i) => ({ price: price(SYMBOLS[i % 3] ?? 'btcusdt', NOW + i), publishedAtMs: NOW }));
    // Bounded: at most 2,000 batches (about 100 MB offered to the stalled client) before giving up.
    for (let i = 0; i < 2_000 && hub.streamCount === 2; i++) {
      hub.publish(batch.map((b) => ({ ...b, price: { ...b.price, timestamp: NOW + i * 1_000 + b.price.timestamp - NOW } })));
      await new Promise((r) => setImmediate(r));
    }
    expect(hub.streamCount).toBe(1);
    stalled.resume(); // drain what the kernel holds: the node's close comes after it
    await until(() => stalledClosed, 10_000);
    expect(reader.text()).toContain('event: price');
    reader.close();
    stalled.destroy();
  });
});
