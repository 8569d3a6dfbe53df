import { describe, expect, it } from 'vitest';
import { applyFaultUpdate, NO_FAULTS } from './faults.js';
import { buildExchangeServer, FAULT_TOKEN_HEADER } from './exchange-server.js';
import { parseExchangeOptions } from './exchange-options.js';
import { quoteAt } from './price-walk.js';

const SYMBOLS = ['btcusdt', 'ethusdt', 'solusdt'];

function server(id: string, nowMs: () => number, seed = 7) {
  return buildExchangeServer({ id, seed, stepMs: 100, symbols: SYMBOLS, faults: { ...NO_FAULTS }, nowMs });
}

describe('price walk', () => {
  it('is a pure function of seed, exchange, symbol and step', () => {
    const a = quoteAt({ seed: 1, exchangeId: 'ex1', stepMs: 100 }, 'btcusdt', 123_456);
    const b = quoteAt({ seed: 1, exchangeId: 'ex1', stepMs: 100 }, 'btcusdt', 123_456);
    const otherSeed = quoteAt({ seed: 2, exchangeId: 'ex1', stepMs: 100 }, 'btcusdt', 123_456);
    expect(a).toEqual(b);
    expect(otherSeed.price).not.toBe(a.price);
  });

  it('keeps exchanges of one seed within a small spread and moves over time', () => {
    const prices = ['ex1', 'ex2', 'ex3'].map((id) => quoteAt({ seed: 3, exchangeId: id, stepMs: 100 }, 'ethusdt', 50_000).price);
    const min = Math.min(...prices);
    const max = Math.max(...prices);
    expect(max / min - 1).toBeLessThan(0.004);
    expect(max).toBeGreaterThan(min);
    const later = quoteAt({ seed: 3, exchangeId: 'ex1', stepMs: 100 }, 'ethusdt', 50_000 + 100 * 40).price;
    expect(later).not.toBe(prices[0]);
  });
});

describe('faults', () => {
  it('validates each field with a precise message', () => {
    expect(() => applyFaultUpdate(NO_FAULTS, { errorRate: 2 })).toThrow(/errorRate must be a number in \[0, 1\]/);
    expect(() => applyFaultUpdate(NO_FAULTS, { latencyMs: -1 })).toThrow(/latencyMs must be an integer/);
    expect(() => applyFaultUpdate(NO_FAULTS, { down: 'yes' })).toThrow(/down must be true or false/);
    expect(() => applyFaultUpdate(NO_FAULTS, { nope: 1 })).toThrow(/unknown fault "nope"/);
    expect(applyFaultUpdate(NO_FAULTS, { outlierSymbol: 'BTCUSDT', outlierFactor: 10 })).toMatchObject({
      outlierSymbol: 'btcusdt',
      outlierFactor: 10,
    });
  });

  it('parses flags over env', () => {
    const options = parseExchangeOptions(['--port', '9001', '--error-rate', '0.5', '--down'], {
      EXCHANGE_PORT: '8082',
      EXCHANGE_SEED: '9',
    });
    expect(options).toMatchObject({ port: 9001, seed: 9, id: 'ex-9001', faults: { errorRate: 0.5, down: true } });
    expect(() => parseExchangeOptions(['--port', 'x'], {})).toThrow(/--port must be an integer 0..65535/);
  });
});

describe('exchange server', () => {
  it('serves single and batch tickers, 404 for unknown symbols', async () => {
    const app = server('ex1', () => 1_000_000);
    const one = await app.inject({ url: '/mock/ticker/BTCUSDT' });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ symbol: 'btcusdt', timestamp: 1_000_000 });
    expect(one.json().price).toBeGreaterThan(0);
    const batch = await app.inject({ url: '/mock/tickers?symbols=btcusdt,ethusdt' });
    expect(batch.json()).toHaveLength(2);
    expect(batch.json()[0]).toEqual(one.json());
    const unknown = await app.inject({ url: '/mock/ticker/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe(404);
    const stats = await app.inject({ url: '/mock/stats?symbols=btcusdt,ethusdt' });
    expect(stats.json()).toMatchObject({ requests: 3, perSymbol: { btcusdt: 2, ethusdt: 1 } });
    await app.close();
  });

  it('applies outlier, frozen and error-rate faults set at run time', async () => {
    let now = 1_000_000;
    const app = server('ex1', () => now);
    const normal = (await app.inject({ url: '/mock/ticker/ethusdt' })).json();
    await app.inject({ method: 'POST', url: '/mock/faults', payload: { outlierSymbol: 'ethusdt', outlierFactor: 10 } });
    const spiked = (await app.inject({ url: '/mock/ticker/ethusdt' })).json();
    expect(spiked.price / normal.price).toBeCloseTo(10, 6);

    await app.inject({ method: 'POST', url: '/mock/faults', payload: { outlierSymbol: null, frozen: true } });
    const frozen = (await app.inject({ url: '/mock/ticker/ethusdt' })).json();
    now += 60_000;
    const stillFrozen = (await app.inject({ url: '/mock/ticker/ethusdt' })).json();
    expect(stillFrozen).toEqual(frozen);

    const bad = await app.inject({ method: 'POST', url: '/mock/faults', payload: { errorRate: 5 } });
    expect(bad.statusCode).toBe(400);
    await app.inject({ method: 'POST', url: '/mock/faults', payload: { errorRate: 1, frozen: false } });
    const failed = await app.inject({ url: '/mock/ticker/ethusdt' });
    expect(failed.statusCode).toBe(500);
    expect((await app.inject({ url: '/mock/faults' })).json()).toMatchObject({ errorRate: 1, frozen: false });
    await app.close();
  });

  it('rejects a repeated query parameter with 400 and the error body', async () => {
    const app = server('ex1', () => 1_000_000);
    for (const url of ['/mock/tickers?symbols=btcusdt&symbols=ethusdt', '/mock/stats?symbols=a&symbols=b']) {
      const reply = await app.inject({ url });
      expect(reply.statusCode, url).toBe(400);
      expect(reply.json()).toEqual({ error: { code: 400, message: expect.stringMatching(/"symbols" given more than once/) } });
    }
    expect((await app.inject({ url: '/mock/tickers?symbols=btcusdt,ethusdt' })).statusCode).toBe(200);
    await app.close();
  });

  it('resets every fault with POST /mock/faults/reset', async () => {
    const app = server('ex1', () => 1_000_000);
    await app.inject({ method: 'POST', url: '/mock/faults', payload: { errorRate: 1, latencyMs: 5, outlierSymbol: 'btcusdt' } });
    expect((await app.inject({ url: '/mock/ticker/btcusdt' })).statusCode).toBe(500);
    const reset = await app.inject({ method: 'POST', url: '/mock/faults/reset' });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toEqual({ ...NO_FAULTS });
    expect((await app.inject({ url: '/mock/ticker/btcusdt' })).statusCode).toBe(200);
    await app.close();
  });

  it('needs the fault token, when configured, to change faults', async () => {
    const token = 'per-test-token-' + String(process.pid);
    const app = buildExchangeServer({ id: 'ex1', seed: 1, stepMs: 100, symbols: SYMBOLS, faults: { ...NO_FAULTS }, faultToken: token });
    for (const url of ['/mock/faults', '/mock/faults/reset']) {
      for (const headers of [{}, { [FAULT_TOKEN_HEADER]: 'wrong' }]) {
        const refused = await app.inject({ method: 'POST', url, payload: { down: true }, headers });
        expect(refused.statusCode).toBe(401);
        expect(refused.json().error).toEqual({ code: 401, message: `missing or wrong ${FAULT_TOKEN_HEADER}` });
      }
    }
    expect((await app.inject({ url: '/mock/faults' })).json()).toEqual({ ...NO_FAULTS });
    const ok = await app.inject({ method: 'POST', url: '/mock/faults', payload: { latencyMs: 1 }, headers: { [FAULT_TOKEN_HEADER]: token } });
    expect(ok.json()).toMatchObject({ latencyMs: 1 });
    await app.close();
  });
});
