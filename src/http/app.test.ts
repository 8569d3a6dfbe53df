import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftError, RaftDriverErrorCode } from '../../raft/index.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import { startTestApp, type TestApp } from './app-test-kit.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function order(body: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/orders', payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

describe('bazaar routes', () => {
  it('says hello in text', async () => {
    const res = await t.app.inject({ url: '/hello?name=user' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('Hello, user!');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('looks up a stock case-insensitively, with price', async () => {
    const res = await t.app.inject({ url: '/stocks?stockname=BtcUsdt' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { name: 'btcusdt', price: 42.5, quantity: 100, volume: 0 } });
    const stale = await t.app.inject({ url: '/stocks?stockname=aapl&consistency=stale' });
    expect(stale.json()).toEqual({ data: { name: 'aapl', price: null, quantity: 100, volume: 0 } });
  });

  it('trades, then the order and the stock reflect it', async () => {
    const res = await order({ name: 'ETHUSDT', quantity: 30, type: 'buy' });
    expect(res.statusCode).toBe(200);
    const tx = (res.json() as { data: { transaction_number: number } }).data.transaction_number;
    const got = await t.app.inject({ url: `/orders?order-number=${tx}` });
    expect(got.json()).toEqual({ data: { number: tx, name: 'ethusdt', type: 'BUY', quantity: 30, price: null } });
    const stock = await t.app.inject({ url: '/stocks?stockname=ethusdt' });
    expect(stock.json()).toMatchObject({ data: { quantity: 70, volume: 30 } });
  });

  it('answers 409 for insufficient quantity and 404 for unknown stocks and orders', async () => {
    const insufficient = await order({ name: 'solusdt', quantity: 101, type: 'BUY' });
    expect(insufficient.statusCode).toBe(409);
    expect(insufficient.json()).toEqual({ error: { code: 409, message: 'insufficient quantity of solusdt to buy 101' } });
    expect((await order({ name: 'nosuch', quantity: 1, type: 'SELL' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/stocks?stockname=nosuch' })).json()).toEqual({ error: { code: 404, message: 'stock nosuch not found' } });
    expect((await t.app.inject({ url: '/orders?order-number=999999' })).statusCode).toBe(404);
  });

  it('executes an idempotent request once and rejects key reuse with another body', async () => {
    const first = await order({ name: 'aapl', quantity: 5, type: 'SELL' }, { 'idempotency-key': 'retry me 1' });
    const again = await order({ type: 'sell', quantity: 5, name: 'AAPL' }, { 'idempotency-key': 'retry me 1' });
    expect(first.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const other = await order({ name: 'aapl', quantity: 6, type: 'SELL' }, { 'idempotency-key': 'retry me 1' });
    expect(other.statusCode).toBe(422);
    expect((await t.app.inject({ url: '/stocks?stockname=aapl' })).json()).toMatchObject({ data: { quantity: 105 } });
  });

  it('serves health, metrics with the fixed names, and cluster status', async () => {
    expect((await t.app.inject({ url: '/health' })).body).toBe('OK');
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/orders"/);
    expect(metrics.body).toMatch(/bazaar_trades_total\{outcome="executed"\} \d+/);
    const cluster = await t.app.inject({ url: '/cluster' });
    expect(cluster.json()).toMatchObject({ node_id: 'n1', role: 'leader', leader: 'n1', peers: [] });
  });
});

describe('request validation', () => {
  const invalidBodies: [string, unknown, RegExp][] = [
    ['extra field', { name: 'aapl', quantity: 1, type: 'BUY', price: 3 }, /unknown field "price"/],
    ['missing type', { name: 'aapl', quantity: 1 }, /must have field "type"/],
    ['zero quantity', { name: 'aapl', quantity: 0, type: 'BUY' }, /quantity must be >= 1/],
    ['negative quantity', { name: 'aapl', quantity: -4, type: 'BUY' }, /quantity/],
    ['huge quantity', { name: 'aapl', quantity: 1_000_001, type: 'BUY' }, /quantity must be <= 1000000/],
    ['fractional quantity', { name: 'aapl', quantity: 1.5, type: 'BUY' }, /quantity must be integer/],
    ['string quantity', { name: 'aapl', quantity: '3', type: 'BUY' }, /quantity must be integer/],
    ['unknown type', { name: 'aapl', quantity: 1, type: 'HOLD' }, /type must be BUY or SELL/],
    ['overlong symbol', { name: 'a'.repeat(33), quantity: 1, type: 'BUY' }, /name must be 1..32 letters or digits/],
    ['symbol with slash', { name: '../aapl', quantity: 1, type: 'BUY' }, /name must be/],
    ['array body', [1, 2], /body must be object/],
  ];
  for (const [label, body, message] of invalidBodies) {
    it(`rejects ${label} with a 400 naming the problem`, async () => {
      const res = await order(body);
      expect(res.statusCode).toBe(400);
      expect((res.json() as { error: { message: string } }).error.message).toMatch(message);
    });
  }

  it('rejects malformed JSON (400), wrong content type (415), big bodies (413)', async () => {
    const malformed = await t.app.inject({ method: 'POST', url: '/orders', payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: 400 } });
    const text = await t.app.inject({ method: 'POST', url: '/orders', payload: 'name=aapl', headers: { 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: { code: 415 } });
    const big = await order({ name: 'aapl', quantity: 1, type: 'BUY', pad: 'x'.repeat(17 * 1024) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: { code: 413, message: 'request body too large' } });
  });

  it('rejects bad idempotency keys, order numbers and query strings', async () => {
    const longKey = await order({ name: 'aapl', quantity: 1, type: 'BUY' }, { 'idempotency-key': 'k'.repeat(129) });
    expect(longKey.statusCode).toBe(400);
    expect(longKey.json()).toMatchObject({ error: { message: /idempotency-key must be 1..128 printable/ } });
    for (const url of ['/orders?order-number=abc', '/orders?order-number=0', '/orders?order-number=1e3', '/orders?order-number=1&order-number=2', '/orders?order-number=1&limit=2', '/orders?limit=0', '/orders?limit=501', '/orders?after=1&before=5']) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(400);
    }
    expect((await t.app.inject({ url: '/stocks?stockname=aapl&extra=1' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/stocks?stockname=aapl&consistency=eventual' })).statusCode).toBe(400);
  });

  it('answers unknown routes 404 and wrong methods 405 with Allow, in JSON', async () => {
    const missing = await t.app.inject({ url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 404, message: 'no route GET /nope' } });
    const wrong = await t.app.inject({ method: 'DELETE', url: '/orders?order-number=1' });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers['allow']).toBe('GET, POST');
    for (const url of ['/stocks/../hello', '//stocks?stockname=aapl', '/%zz', '/stocks%2f']) {
      const res = await t.app.inject({ url });
      expect([400, 404]).toContain(res.statusCode);
      expect(res.json()).toHaveProperty('error.code', res.statusCode);
    }
  });

  it('echoes a sane x-request-id and generates one otherwise', async () => {
    expect((await t.app.inject({ url: '/health', headers: { 'x-request-id': 'abc-1' } })).headers['x-request-id']).toBe('abc-1');
    expect((await t.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\n' } })).headers['x-request-id']).toMatch(/^n1-/);
  });
});

describe('unavailability and plugins', () => {
  it('maps Raft no-leader errors to 503 with Retry-After', async () => {
    const down = await startTestApp({
      backend: (local) => ({
        ...local,
        metricsText: () => local.metricsText(),
        clusterStatus: () => local.clusterStatus(),
        readOrder: (n) => local.readOrder(n),
        listOrders: (q) => local.listOrders(q),
        listStocks: (q) => local.listStocks(q),
        readStock: () => Promise.reject(new RaftError(RaftDriverErrorCode.NoLeader, 'no leader')),
        trade: () => Promise.reject(new RaftError(RaftDriverErrorCode.Timeout, 'timed out')),
      }),
    });
    try {
      const read = await down.app.inject({ url: '/stocks?stockname=aapl' });
      expect(read.statusCode).toBe(503);
      expect(read.headers['retry-after']).toBe('1');
      expect(read.json()).toMatchObject({ error: { code: 503 } });
      const trade = await down.app.inject({ method: 'POST', url: '/orders', payload: { name: 'aapl', quantity: 1, type: 'BUY' } });
      expect(trade.statusCode).toBe(503);
      expect((await down.app.inject({ url: '/metrics' })).body).toMatch(/bazaar_trades_total\{outcome="unavailable"\} 1/);
    } finally {
      await down.close();
    }
  });

  it('says "executed": false on a 503 for a write that certainly did not run, and nothing when unknown', async () => {
    let certain = true;
    const down = await startTestApp({
      backend: (local) => ({
        ...local,
        metricsText: () => local.metricsText(),
        clusterStatus: () => local.clusterStatus(),
        readOrder: (n) => local.readOrder(n),
        listOrders: (q) => local.listOrders(q),
        listStocks: (q) => local.listStocks(q),
        readStock: (name, c) => local.readStock(name, c),
        trade: () =>
          Promise.reject(
            certain
              ? new BazaarError(BazaarErrorCode.Unavailable, 'no leader; not executed', { executed: false })
              : new BazaarError(BazaarErrorCode.Unavailable, 'outcome unknown'),
          ),
      }),
    });
    try {
      const payload = { name: 'aapl', quantity: 1, type: 'BUY' };
      const refused = await down.app.inject({ method: 'POST', url: '/orders', payload });
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toEqual({ error: { code: 503, message: 'no leader; not executed', executed: false } });
      certain = false;
      const unknown = await down.app.inject({ method: 'POST', url: '/orders', payload });
      expect(unknown.json()).toEqual({ error: { code: 503, message: 'outcome unknown' } });
    } finally {
      await down.close();
    }
  });

  it('adds "msg" to errors of price routes, hides unexpected errors, and knows their methods', async () => {
    const withPrices = await startTestApp({ prices: { refreshNow: () => Promise.reject(new Error('boom')) } });
    try {
      const res = await withPrices.app.inject({ method: 'POST', url: '/refresh/btcusdt' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 500, message: 'internal error' }, msg: 'internal error' });
      const wrong = await withPrices.app.inject({ method: 'POST', url: '/prices/btcusdt' });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.json()).toMatchObject({ error: { code: 405 }, msg: expect.any(String) });
    } finally {
      await withPrices.close();
    }
  });
});

describe('logging', () => {
  it('binds node id, term and request id into request logs', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logged = await startTestApp({ logger: pino({ level: 'info' }, sink) });
    try {
      await logged.app.inject({ url: '/stocks?stockname=nosuch', headers: { 'x-request-id': 'req-42' } });
    } finally {
      await logged.close();
    }
    const requestLines = lines.filter((line) => line['reqId'] === 'req-42');
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) expect(line).toMatchObject({ nodeId: 'n1', term: 7 });
    expect(requestLines.some((line) => line['msg'] === 'stock nosuch not found')).toBe(true);
  });

  it('logs each request\'s start and completion only at debug level', async () => {
    for (const level of ['info', 'debug'] as const) {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      const logged = await startTestApp({ logger: pino({ level }, sink) });
      try {
        const res = await logged.app.inject({ url: '/stocks?stockname=aapl', headers: { 'x-request-id': 'req-7' } });
        expect(res.statusCode).toBe(200);
      } finally {
        await logged.close();
      }
      const messages = lines.filter((line) => line['reqId'] === 'req-7').map((line) => line['msg']);
      expect(messages).toEqual(level === 'debug' ? ['incoming request', 'request completed'] : []);
    }
  });
});
