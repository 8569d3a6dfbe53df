import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from './client.js';
import type { TradeRequest } from './generator.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
let server: Server;
let url: string;
const seen: { method: string; url: string; key: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const reply = (status: number, body: unknown): Handler => (_req, _body, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const client = (consistency: 'linearizable' | 'stale' = 'linearizable', nodeUrl = url) =>
  new HttpClient({ nodeUrls: { n1: nodeUrl }, requestTimeoutMs: 300, connectTimeoutMs: 300, connectionsPerNodeMax: 4, consistency });

const buy: TradeRequest = { f: 'buy', key: 'aapl', qty: 3, idempotencyKey: 'run-p0-1', attempt: 0 };
const sell: TradeRequest = { ...buy, f: 'sell' };

describe('HttpClient outcome mapping (against a real local HTTP server)', () => {
  it('sends the contract request and maps 200 to a filled trade', async () => {
    handler = reply(200, { data: { transaction_number: 17 } });
    const c = client();
    expect(await c.invoke('n1', buy)).toEqual({ type: 'ok', value: { qty: 3, filled: true, tx: 17 } });
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ method: 'POST', url: '/orders', key: 'run-p0-1' });
    expect(JSON.parse(last?.body ?? '')).toEqual({ name: 'aapl', quantity: 3, type: 'BUY' });
    await c.close();
  });

  it.each([
    [409, buy, 'ok'],
    [409, sell, 'info'],
    [400, buy, 'fail'],
    [404, buy, 'fail'],
    [422, buy, 'fail'],
    [503, buy, 'info'],
    [500, buy, 'info'],
    [504, sell, 'info'],
  ] as const)('maps HTTP %i on %s to %s', async (status, req, type) => {
    handler = reply(status, { error: { code: status, message: 'x' } });
    const c = client();
    expect((await c.invoke('n1', req)).type).toBe(type);
    await c.close();
  });

  it('maps a 503 that guarantees no execution to fail', async () => {
    handler = reply(503, { error: { code: 503, message: 'no leader', executed: false } });
    const c = client();
    expect((await c.invoke('n1', buy)).type).toBe('fail');
    await c.close();
  });

  it('maps a timeout to info for a trade and to fail for a read', async () => {
    handler = () => undefined; // never answers
    const c = client();
    const trade = await c.invoke('n1', buy);
    expect(trade.type).toBe('info');
    expect((await c.invoke('n1', { f: 'read', key: 'aapl' })).type).toBe('fail');
    await c.close();
  });

  it('maps connection refused to fail (nothing was sent)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const c = client('linearizable', `http://127.0.0.1:${port}`);
    const out = await c.invoke('n1', buy);
    expect(out.type).toBe('fail');
    expect(out.error).toBe('ECONNREFUSED');
    await c.close();
  });

  it('reads stocks (stale on request) and orders, 404 meaning not found', async () => {
    handler = reply(200, { data: { name: 'aapl', price: null, quantity: 42, volume: 1 } });
    const c = client('stale');
    expect(await c.invoke('n1', { f: 'read', key: 'aapl' })).toEqual({ type: 'ok', value: { quantity: 42 } });
    expect(seen[seen.length - 1]?.url).toBe('/stocks?stockname=aapl&consistency=stale');
    handler = reply(200, { data: { number: 5, name: 'AAPL', type: 'SELL', quantity: 2, price: null } });
    expect(await c.invoke('n1', { f: 'read-order', tx: 5 })).toEqual({ type: 'ok', value: { tx: 5, name: 'aapl', type: 'SELL', quantity: 2 } });
    handler = reply(404, { error: { code: 404, message: 'no such order' } });
    expect(await c.invoke('n1', { f: 'read-order', tx: 6 })).toEqual({ type: 'ok', value: { tx: 6, found: false } });
    handler = reply(503, { error: { code: 503, message: 'no quorum' } });
    expect((await c.invoke('n1', { f: 'read', key: 'aapl' })).type).toBe('fail');
    await c.close();
  });
});
