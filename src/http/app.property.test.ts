import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_SYMBOLS, type TestApp } from './app-test-kit.js';

/**
 * Thousands of generated requests, valid and malformed (methods, paths, query strings, headers,
 * content types, bodies), at the app over the real state machine: never a 5xx, every response
 * is the contract's JSON (or the text routes' text), and the state changes exactly by the
 * trades that were answered 200 (so rejected requests changed nothing).
 */

const SEED = Number(process.env['BAZAAR_TEST_SEED'] ?? Date.now() % 1_000_000);
const TEXT_ROUTES = new Set(['/hello', '/health', '/metrics']);
/** The web view's page and files, swagger-ui's (paths like `/.` normalize to `/`); errors stay JSON. */
const WEB_CONTENT_TYPE = /^text\/(html|javascript|css)/;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const symbolArb = fc.oneof(
  fc.constantFrom(...TEST_SYMBOLS, ...TEST_SYMBOLS.map((s) => s.toUpperCase()), 'nosuch', '', 'a'.repeat(33), '../etc', 'btc usdt'),
  fc.string({ maxLength: 40 }),
);
const quantityArb = fc.oneof(
  fc.integer({ min: 1, max: 150 }),
  fc.constantFrom(0, -1, 1_000_000, 1_000_001, 1.5, Number.MAX_SAFE_INTEGER, '10', null, true),
);
const typeArb = fc.oneof(fc.constantFrom('BUY', 'SELL', 'buy', 'Sell', 'HOLD', '', 'BUY '), fc.string({ maxLength: 6 }));
const orderBodyArb = fc.oneof(
  fc.record({ name: symbolArb, quantity: quantityArb, type: typeArb }),
  fc.record({ name: symbolArb, quantity: quantityArb, type: typeArb, extra: fc.anything() }),
  fc.record({ name: symbolArb, quantity: quantityArb }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const payloadArb = fc.oneof(
  orderBodyArb.map((body) => JSON.stringify(body)),
  fc.string({ maxLength: 50 }),
  fc.constantFrom('', '{', '{"name":"aapl","quantity":1,"type":"BUY"', '{"__proto__":{"x":1}}', 'x'.repeat(20_000)),
);
const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'garbage',
  undefined,
);
const keyArb = fc.option(
  fc.oneof(fc.constantFrom('k1', 'k2', 'k3', ' padded ', 'x'.repeat(129)), fc.stringMatching(/^[\x20-\x7e]{0,130}$/)),
  { nil: undefined },
);
const queryArb = fc.oneof(
  fc.constant(''),
  symbolArb.map((s) => `stockname=${encodeURIComponent(s)}`),
  fc.tuple(symbolArb, fc.constantFrom('stale', 'linearizable', 'eventual', '')).map(([s, c]) => `stockname=${encodeURIComponent(s)}&consistency=${c}`),
  fc.oneof(fc.integer({ min: -5, max: 400 }).map(String), fc.constantFrom('abc', '1e3', '0x10', '1.0', '99999999999999999999')).map((n) => `order-number=${n}`),
  fc.string({ maxLength: 30 }).map((name) => `name=${encodeURIComponent(name)}`),
  fc.string({ maxLength: 30 }),
);
const pathArb = fc.oneof(
  fc.constantFrom('/stocks', '/orders', '/hello', '/health', '/metrics', '/cluster'),
  fc.constantFrom('/nope', '/stocks/aapl', '//orders', '/orders/../stocks', '/%zz', '/orders%2F', '/STOCKS', '/orders/', '/prices/btc'),
  fc.stringMatching(/^\/[a-z/%.]{0,20}$/),
);
const malformedOrAnyArb = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: pathArb,
  query: queryArb,
  contentType: contentTypeArb,
  key: keyArb,
  payload: payloadArb,
});
const validTradeArb = fc.record({
  method: fc.constant('POST'),
  path: fc.constant('/orders'),
  query: fc.constant(''),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
  key: fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4'), { nil: undefined }),
  payload: fc
    .record({ name: fc.constantFrom(...TEST_SYMBOLS, 'AAPL'), quantity: fc.integer({ min: 1, max: 60 }), type: fc.constantFrom('BUY', 'sell') })
    .map((body) => JSON.stringify(body)),
});
const requestArb = fc.oneof({ arbitrary: malformedOrAnyArb, weight: 3 }, { arbitrary: validTradeArb, weight: 1 });

interface ModelTrade {
  readonly name: string;
  readonly type: 'BUY' | 'SELL';
  readonly quantity: number;
}

describe('HTTP layer under generated requests', () => {
  it(`never 5xx, always the contract, state changed only by 200 trades (seed ${SEED})`, async () => {
    console.log(`http property seed ${SEED} (set BAZAAR_TEST_SEED to replay)`);
    const executed = new Map<number, ModelTrade>();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.key !== undefined) headers['idempotency-key'] = r.key;
        const options: InjectOptions = { method: r.method as 'GET', url: r.query === '' ? r.path : `${r.path}?${r.query}`, headers };
        if (r.method !== 'GET' && r.method !== 'OPTIONS') options.payload = r.payload;
        const res = await t.app.inject(options);
        expect(res.statusCode).toBeLessThan(500);
        const isText = (res.statusCode === 200 && TEXT_ROUTES.has(r.path)) || (res.statusCode < 400 && WEB_CONTENT_TYPE.test(String(res.headers['content-type'])));
        if (isText) return;
        const body = res.json() as Record<string, unknown>;
        if (res.statusCode >= 400) {
          const message = (body['error'] as { message?: unknown } | undefined)?.message;
          const priceRoute = r.path.startsWith('/prices') || r.path.startsWith('/refresh');
          expect(body).toEqual({ error: { code: res.statusCode, message: expect.any(String) }, ...(priceRoute ? { msg: message } : {}) });
          return;
        }
        if (r.method === 'POST' && r.path === '/orders') {
          const tx = (body as { data: { transaction_number: number } }).data.transaction_number;
          const sent = JSON.parse(r.payload) as { name: string; type: string; quantity: number };
          const trade: ModelTrade = { name: sent.name.toLowerCase(), type: sent.type.toUpperCase() as 'BUY', quantity: sent.quantity };
          const known = executed.get(tx);
          if (known !== undefined) expect(known).toEqual(trade);
          else executed.set(tx, trade);
        }
      }),
      { seed: SEED, numRuns: 2_500 },
    );
    const expected = new Map(TEST_SYMBOLS.map((s) => [s, { quantity: 100, volume: 0 }]));
    for (const trade of executed.values()) {
      const stock = expected.get(trade.name);
      if (stock === undefined) throw new Error(`executed trade on unknown stock ${trade.name}`);
      stock.quantity += trade.type === 'BUY' ? -trade.quantity : trade.quantity;
      stock.volume += trade.quantity;
    }
    for (const [name, stock] of expected) expect(t.machine.getStock(name)).toMatchObject(stock);
    const numbers = [...executed.keys()].sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    for (const [number, trade] of executed) expect(await t.machine.getOrder(number)).toMatchObject({ number, ...trade });
    console.log(`http property: ${executed.size} trades executed`);
  });
});
