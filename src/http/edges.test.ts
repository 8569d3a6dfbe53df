import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregatedPrice } from '../prices/price-types.js';
import { MemoryHistory } from '../prices/testing/memory-stores.js';
import { startTestApp, type TestApp } from './app-test-kit.js';
import { capturingLogger, errorLines, rawRequest, type RawResponse } from './testing/raw-http.js';

/**
 * The product at its edges (issue 13, findings 1, 2, 3, 4, 6), on the production app (buildApp
 * with every route module) over real sockets where the HTTP parser is involved.
 */

const LIMITS = { headersTimeoutMs: 600, requestTimeoutMs: 900, keepAliveTimeoutMs: 400, timeoutCheckIntervalMs: 100, connectionsMax: 40 };
let t: TestApp;
let port: number;
let refreshes = 0;
const history = new MemoryHistory();
const log = capturingLogger('debug');

function point(asset: string, timestamp: number): AggregatedPrice {
  return { asset, price: 1, timestamp, updatedAt: timestamp, sources: ['ex1'], excluded: [], confidence: 0, stale: false, term: 1 };
}

beforeAll(async () => {
  for (let i = 0; i < 10; i++) history.points.push(point('btcusdt', 1_000 + i));
  t = await startTestApp({
    logger: log.logger,
    limits: LIMITS,
    prices: {
      historyStore: history,
      refreshNow: async (asset) => {
        refreshes++;
        return point(asset, Date.now());
      },
    },
  });
  port = Number(new URL(await t.app.listen({ host: '127.0.0.1', port: 0 })).port);
});
afterAll(async () => {
  await t?.close();
});

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

function expectContract(res: { status: number | null; body: string }, status: number): void {
  expect(res.status).toBe(status);
  const body = JSON.parse(res.body) as { error: { code: number; message: string } };
  expect(body.error.code).toBe(status);
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe('finding 1: query strings are coerced on the shipped app', () => {
  it('history accepts limit, from and to as the README shows', async () => {
    const res = await t.app.inject({ url: '/prices/btcusdt/history?limit=5' });
    expect(res.statusCode).toBe(200);
    expect(res.json().points).toHaveLength(5);
    const ranged = await t.app.inject({ url: '/prices/btcusdt/history?from=1002&to=1004&limit=10' });
    expect(ranged.json().points.map((p: { timestamp: number }) => p.timestamp)).toEqual([1004, 1003, 1002]);
  });

  it('still rejects non-integers, repeats and out-of-range values with 400', async () => {
    for (const query of ['limit=abc', 'limit=1.5', 'limit=0', 'limit=1&limit=2', 'from=-1', 'to=1e400', 'from=5&to=4', 'extra=1']) {
      const res = await t.app.inject({ url: `/prices/btcusdt/history?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toMatchObject({ error: { code: 400 }, msg: expect.any(String) });
    }
  });
});

describe('finding 2: POST /refresh with odd bodies is a 4xx, never a 500', () => {
  const cases: [string, Record<string, string>, string, number][] = [
    ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415],
    ['text/plain', { 'content-type': 'text/plain' }, 'hello', 415],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\n\r\nv\r\n--x--', 415],
    ['empty JSON', { 'content-type': 'application/json' }, '', 400],
    ['truncated JSON', { 'content-type': 'application/json' }, '{"a":', 400],
    ['__proto__', { 'content-type': 'application/json' }, '{"__proto__":{}}', 400],
    ['oversized', { 'content-type': 'application/json' }, JSON.stringify({ a: 'x'.repeat(20_000) }), 413],
    ['gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{}', 415],
  ];
  for (const [label, headers, payload, status] of cases) {
    it(`${label} -> ${status} with the contract body, no refresh, no error log`, async () => {
      const before = refreshes;
      const linesBefore = log.lines.length;
      const res = await t.app.inject({ method: 'POST', url: '/refresh/btcusdt', headers, payload });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: { code: status, message: expect.any(String) }, msg: res.json().error.message });
      expect(refreshes).toBe(before);
      expect(errorLines(log.lines.slice(linesBefore))).toEqual([]);
    });
  }
});

describe('finding 3: errors of the HTTP parser layer have the contract body', () => {
  const head = (line: string, ...headers: string[]): string => `${line}\r\nHost: x\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
  const cases: [string, string | Buffer, number][] = [
    ['raw UTF-8 in the URL', Buffer.from(head('GET /prices/\u00e9 HTTP/1.1'), 'utf8'), 400],
    ['control character in Idempotency-Key', head('POST /orders HTTP/1.1', 'Idempotency-Key: a\x01b', 'Content-Length: 0'), 400],
    ['Content-Length: -1', head('POST /orders HTTP/1.1', 'Content-Length: -1'), 400],
    ['lower-case method', head('get /health HTTP/1.1'), 400],
    ['unknown method', head('FROB /health HTTP/1.1'), 400],
    ['space in the path', head('GET /he alth HTTP/1.1'), 400],
    ['headers over 16 KiB', head('GET /health HTTP/1.1', `X-Pad: ${'a'.repeat(17_000)}`), 431],
    ['URL over 16 KiB', head(`GET /health?${'a'.repeat(17_000)} HTTP/1.1`), 431],
    ['Expect: foo', head('GET /health HTTP/1.1', 'Expect: foo'), 417],
  ];
  for (const [label, request, status] of cases) {
    it(`${label} -> ${status}`, async () => {
      const linesBefore = log.lines.length;
      expectContract(await rawRequest(port, request), status);
      expect(errorLines(log.lines.slice(linesBefore))).toEqual([]);
    });
  }

  it('routing 404 and method 405 also follow the contract', async () => {
    expectContract(await rawRequest(port, head('GET /nope HTTP/1.1', 'Connection: close')), 404);
    expectContract(await rawRequest(port, head('PATCH /health HTTP/1.1', 'Connection: close')), 405);
  });
});

describe('finding 4: timeouts and a connection limit', () => {
  it('a partial body is answered 408 and closed after the request timeout', async () => {
    const res = await rawRequest(port, 'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na', 10_000);
    expectContract(res, 408);
    expect(res.elapsedMs).toBeLessThan(LIMITS.requestTimeoutMs + 2_000);
  });

  it('partial headers are answered 408 after the headers timeout', async () => {
    const res = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', 10_000);
    expectContract(res, 408);
    expect(res.elapsedMs).toBeLessThan(LIMITS.headersTimeoutMs + 2_000);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const res = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 10_000, { untilClose: true });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(LIMITS.keepAliveTimeoutMs + 2_000);
  });

  it(`accepts at most connectionsMax (${LIMITS.connectionsMax}) connections at once`, async () => {
    const sockets: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < LIMITS.connectionsMax + 5; i++) {
      const socket = connect(port, '127.0.0.1');
      const index = i;
      closed[index] = false;
      socket.on('close', () => (closed[index] = true));
      socket.on('error', () => undefined);
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    await waitUntil(() => closed.filter(Boolean).length >= 5, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = closed.filter(Boolean).length;
    for (const socket of sockets) socket.destroy();
    let open = Number.POSITIVE_INFINITY;
    const count = (): void => void t.app.server.getConnections((_err, n) => (open = n));
    await waitUntil(() => (count(), open === 0), 5_000); // later tests start with no connection held
    expect(refused).toBe(5);
  });

  it('a burst of partial-body connections closing at once logs no error', async () => {
    const linesBefore = log.lines.length;
    const sockets: Socket[] = [];
    for (let i = 0; i < 30; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"name"');
      sockets.push(socket);
    }
    await waitUntil(() => log.lines.slice(linesBefore).filter((l) => l['msg'] === 'incoming request').length >= 30, 5_000);
    for (const socket of sockets) socket.destroy();
    const aborted = (): number => log.lines.slice(linesBefore).filter((l) => l['msg'] === 'malformed request: aborted').length;
    await waitUntil(() => aborted() >= 30, 5_000);
    const seen = log.lines.slice(linesBefore).map((l) => `${String(l['level'])} ${String(l['msg'])}`);
    expect(aborted(), JSON.stringify([...new Set(seen)])).toBe(30); // every abandoned body was seen, at info
    expect(errorLines(log.lines.slice(linesBefore))).toEqual([]);
  });
});

describe('framework messages', () => {
  it('quote at most a bounded part of a long URL', async () => {
    const res = await t.app.inject({ url: `/prices/${'a'.repeat(5_000)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.length).toBeLessThanOrEqual(210);
  });
});

describe('finding 6: one symbol rule on every route; single-valued headers', () => {
  const badSymbols = ['%E2%84%AAsmusdt', 'btcusdt%0a', 'btcusdt%20', '%20btcusdt', 'btc-usdt', 'btc%2Fusdt', 'a'.repeat(33)];
  for (const symbol of badSymbols) {
    it(`${decodeURIComponent(symbol).replace(/\n/g, '\\n')} is 400 everywhere`, async () => {
      const responses = await Promise.all([
        t.app.inject({ url: `/stocks?stockname=${symbol}` }),
        t.app.inject({ url: `/prices/${symbol}` }),
        t.app.inject({ url: `/prices/${symbol}/history` }),
        t.app.inject({ method: 'POST', url: `/refresh/${symbol}` }),
        t.app.inject({ method: 'POST', url: '/orders', payload: { name: decodeURIComponent(symbol), quantity: 1, type: 'BUY' } }),
      ]);
      for (const res of responses) expectContract({ status: res.statusCode, body: res.body }, 400);
    });
  }

  it('two Idempotency-Key headers are a 400, not one joined key, and trade nothing', async () => {
    const before = (await t.app.inject({ url: '/stocks?stockname=aapl' })).json().data.quantity as number;
    const request = 'POST /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\n';
    const body = JSON.stringify({ name: 'aapl', quantity: 1, type: 'BUY' });
    const res: RawResponse = await rawRequest(port, `${request}Content-Length: ${body.length}\r\n\r\n${body}`);
    expectContract(res, 400);
    expect(JSON.parse(res.body).error.message).toMatch(/idempotency-key/);
    expect((await t.app.inject({ url: '/stocks?stockname=aapl' })).json().data.quantity).toBe(before);
  });
});
