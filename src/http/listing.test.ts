import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, TEST_SYMBOLS, type TestApp } from './app-test-kit.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

async function trade(name: string, type: 'BUY' | 'SELL', quantity: number): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/orders', payload: { name, type, quantity } });
  expect(res.statusCode).toBe(200);
  return (res.json() as { data: { transaction_number: number } }).data.transaction_number;
}

type OrderPage = { data: { number: number; name: string; type: string; quantity: number; executed_at: number }[]; next: number | null; last_transaction_number: number };

describe('GET /orders listing', () => {
  it('lists newest first, pages down with before, and up with after', async () => {
    for (let i = 1; i <= 7; i++) await trade(TEST_SYMBOLS[i % TEST_SYMBOLS.length] ?? 'aapl', i % 2 === 0 ? 'SELL' : 'BUY', i);
    const newest = (await t.app.inject({ url: '/orders?limit=3' })).json() as OrderPage;
    expect(newest.data.map((o) => o.number)).toEqual([7, 6, 5]);
    expect(newest.data[0]).toMatchObject({ quantity: 7, type: 'BUY' });
    expect(newest.data[0]?.executed_at).toBeGreaterThan(0);
    expect(newest).toMatchObject({ next: 5, last_transaction_number: 7 });
    const older = (await t.app.inject({ url: '/orders?limit=3&before=5' })).json() as OrderPage;
    expect(older.data.map((o) => o.number)).toEqual([4, 3, 2]);
    const last = (await t.app.inject({ url: '/orders?limit=3&before=2' })).json() as OrderPage;
    expect(last).toMatchObject({ next: null });
    expect(last.data.map((o) => o.number)).toEqual([1]);
    const ascending = (await t.app.inject({ url: '/orders?after=2&limit=4' })).json() as OrderPage;
    expect(ascending.data.map((o) => o.number)).toEqual([3, 4, 5, 6]);
    expect(ascending.next).toBe(6);
    const end = (await t.app.inject({ url: '/orders?after=6' })).json() as OrderPage;
    expect(end.data.map((o) => o.number)).toEqual([7]);
    expect(end.next).toBeNull();
  });

  it('answers an empty page with no orders, and keeps the single read working', async () => {
    expect((await t.app.inject({ url: '/orders' })).json()).toEqual({ data: [], next: null, last_transaction_number: 0 });
    const n = await trade('aapl', 'BUY', 2);
    expect((await t.app.inject({ url: `/orders?order-number=${n}` })).json()).toEqual({
      data: { number: n, name: 'aapl', type: 'BUY', quantity: 2, price: null },
    });
  });
});

describe('GET /stocks listing', () => {
  type StockPage = { data: { name: string; quantity: number; price: number | null }[]; next: string | null };

  it('lists by name with prefix, after and limit', async () => {
    await trade('btcusdt', 'BUY', 5);
    const all = (await t.app.inject({ url: '/stocks' })).json() as StockPage;
    expect(all.data.map((s) => s.name)).toEqual([...TEST_SYMBOLS].sort());
    expect(all.data.find((s) => s.name === 'btcusdt')).toEqual({ name: 'btcusdt', price: 42.5, quantity: 95, volume: 5 });
    const first = (await t.app.inject({ url: '/stocks?limit=2' })).json() as StockPage;
    expect(first).toMatchObject({ next: 'btcusdt' });
    const second = (await t.app.inject({ url: `/stocks?limit=2&after=${first.next}` })).json() as StockPage;
    expect(second.data.map((s) => s.name)).toEqual(['ethusdt', 'solusdt']);
    expect(second.next).toBeNull();
    const prefixed = (await t.app.inject({ url: '/stocks?prefix=ETH' })).json() as StockPage;
    expect(prefixed.data.map((s) => s.name)).toEqual(['ethusdt']);
  });

  it('refuses a mix of single read and listing, and bad pages, with the error contract', async () => {
    for (const url of ['/stocks?stockname=aapl&prefix=a', '/stocks?limit=9999', '/stocks?prefix=a-b', '/stocks?consistency=stale']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: { code: 400, message: expect.any(String) } });
    }
  });
});
