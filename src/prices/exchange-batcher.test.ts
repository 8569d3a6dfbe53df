import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BatcherClosedError, BatcherQueueFullError, ExchangeBatcher, validateBatcherOptions, type BatcherOptions } from './exchange-batcher.js';
import type { SymbolQuote } from './exchange-client.js';

const OPTIONS: BatcherOptions = { batchWindowMs: 2, batchSymbolsMax: 5, requestsInFlightMax: 2, queuedSymbolsMax: 12 };

/** A fake exchange whose requests finish when the test says so; records every request. */
class GatedExchange {
  readonly requests: { symbols: string[]; finish: (error?: Error) => void }[] = [];
  inFlight = 0;
  inFlightPeak = 0;

  readonly send = (symbols: readonly string[]): Promise<SymbolQuote[]> => {
    this.inFlight++;
    this.inFlightPeak = Math.max(this.inFlightPeak, this.inFlight);
    return new Promise((resolve, reject) => {
      this.requests.push({
        symbols: [...symbols],
        finish: (error) => {
          this.inFlight--;
          if (error === undefined) resolve(symbols.map((s) => quote(s)));
          else reject(error);
        },
      });
    });
  };
}

function quote(symbol: string): SymbolQuote {
  return { exchange: 'exA', symbol, price: symbol.length, volume: 1, timestamp: 1 };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(1);
  expect(condition()).toBe(true);
}

function settled<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: unknown) => e as Error);
}

describe('ExchangeBatcher', () => {
  it('sends the symbols of fetches made within the window as one request; each caller gets its own symbols', async () => {
    const ex = new GatedExchange();
    const b = new ExchangeBatcher('exA', OPTIONS, ex.send);
    const one = b.fetch(['a']);
    const two = b.fetch(['b', 'a']);
    const three = b.fetch(['c']);
    expect(ex.requests).toHaveLength(0); // the window has not passed
    await until(() => ex.requests.length === 1);
    expect(ex.requests[0]?.symbols).toEqual(['a', 'b', 'c']);
    ex.requests[0]?.finish();
    expect((await one).map((q) => q.symbol)).toEqual(['a']);
    expect((await two).map((q) => q.symbol)).toEqual(['b', 'a']);
    expect((await three).map((q) => q.symbol)).toEqual(['c']);
    expect(b.requestCount()).toBe(1);
  });

  it('sends a full batch at once and splits at batchSymbolsMax without splitting a caller', async () => {
    const ex = new GatedExchange();
    const b = new ExchangeBatcher('exA', { ...OPTIONS, batchWindowMs: 10_000 }, ex.send);
    const first = b.fetch(['a', 'b', 'c']);
    const second = b.fetch(['d', 'e', 'f']); // does not fit with the first: first is sealed and sent
    expect(ex.requests.map((r) => r.symbols)).toEqual([['a', 'b', 'c']]);
    const third = b.fetch(['g', 'h']); // fills the second batch to 5: sent at once
    expect(ex.requests.map((r) => r.symbols)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f', 'g', 'h'],
    ]);
    for (const r of ex.requests) r.finish();
    expect((await Promise.all([first, second, third])).map((qs) => qs.length)).toEqual([3, 3, 2]);
  });

  it('never has more than requestsInFlightMax requests out; the open batch grows while connections are busy', async () => {
    const ex = new GatedExchange();
    const b = new ExchangeBatcher('exA', { ...OPTIONS, batchWindowMs: 0 }, ex.send);
    const early = [b.fetch(['a']), b.fetch(['b'])]; // window 0: each goes at once on a free connection
    expect(ex.requests.map((r) => r.symbols)).toEqual([['a'], ['b']]);
    const waiting = ['c', 'd', 'e', 'c'].map((s) => b.fetch([s]));
    await sleep(5);
    expect(ex.requests).toHaveLength(2);
    expect(b.queuedSymbols()).toBe(3);
    ex.requests[0]?.finish();
    await until(() => ex.requests.length === 3);
    expect(ex.requests[2]?.symbols).toEqual(['c', 'd', 'e']);
    ex.requests[1]?.finish();
    ex.requests[2]?.finish();
    expect((await Promise.all([...early, ...waiting])).map((qs) => qs.map((q) => q.symbol).join())).toEqual(['a', 'b', 'c', 'd', 'e', 'c']);
    expect(ex.inFlightPeak).toBe(2);
    expect(b.queuedSymbols()).toBe(0);
  });

  it('refuses a fetch past queuedSymbolsMax without sending it, and takes new work once the queue drains', async () => {
    const ex = new GatedExchange();
    const b = new ExchangeBatcher('exA', { ...OPTIONS, batchWindowMs: 0, requestsInFlightMax: 1 }, ex.send);
    const sent = b.fetch(['x']);
    const queued = [['a', 'b', 'c', 'd', 'e'], ['f', 'g', 'h', 'i', 'j'], ['k', 'l']].map((s) => b.fetch(s));
    expect(b.queuedSymbols()).toBe(12);
    const refused = await settled(b.fetch(['m']));
    expect(refused).toBeInstanceOf(BatcherQueueFullError);
    expect((refused as Error).message).toMatch(/12 symbols already waiting .*queuedSymbolsMax 12/);
    expect(ex.requests).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      await until(() => ex.requests.length === i + 1);
      ex.requests[i]?.finish();
    }
    expect((await Promise.all([sent, ...queued])).map((qs) => qs.length)).toEqual([1, 5, 5, 2]);
    expect(ex.requests.map((r) => r.symbols.length)).toEqual([1, 5, 5, 2]);
    const later = b.fetch(['m']);
    await until(() => ex.requests.length === 5);
    ex.requests[4]?.finish();
    expect((await later).map((q) => q.symbol)).toEqual(['m']);
  });

  it('fails every caller of a failed request (one request, one failure) and keeps serving', async () => {
    const ex = new GatedExchange();
    const b = new ExchangeBatcher('exA', OPTIONS, ex.send);
    const callers = ['a', 'b', 'c'].map((s) => settled(b.fetch([s])));
    await until(() => ex.requests.length === 1);
    ex.requests[0]?.finish(new Error('HTTP 500'));
    for (const outcome of await Promise.all(callers)) expect((outcome as Error).message).toBe('HTTP 500');
    const next = b.fetch(['a']);
    await until(() => ex.requests.length === 2);
    ex.requests[1]?.finish();
    expect((await next).map((q) => q.symbol)).toEqual(['a']);
  });

  it('close fails the waiting callers and refuses new ones; a request in flight still answers', async () => {
    const ex = new GatedExchange();
    const b = new ExchangeBatcher('exA', { ...OPTIONS, batchWindowMs: 0, requestsInFlightMax: 1 }, ex.send);
    const inFlight = b.fetch(['a']);
    const waiting = settled(b.fetch(['b']));
    b.close();
    expect(await waiting).toBeInstanceOf(BatcherClosedError);
    expect(await settled(b.fetch(['c']))).toBeInstanceOf(BatcherClosedError);
    ex.requests[0]?.finish();
    expect((await inFlight).map((q) => q.symbol)).toEqual(['a']);
    expect(ex.requests).toHaveLength(1);
  });

  it('validates its options with precise messages', () => {
    expect(() => validateBatcherOptions({ ...OPTIONS, batchWindowMs: -1 })).toThrow(/batchWindowMs must be an integer >= 0, got -1/);
    expect(() => validateBatcherOptions({ ...OPTIONS, requestsInFlightMax: 0 })).toThrow(/requestsInFlightMax must be a positive integer/);
    expect(() => validateBatcherOptions({ ...OPTIONS, queuedSymbolsMax: 4 })).toThrow(/queuedSymbolsMax must be an integer >= batchSymbolsMax \(5\), got 4/);
    expect(() => new ExchangeBatcher('exA', OPTIONS, new GatedExchange().send).fetch([])).toThrow(/1\.\.5 symbols, got 0/);
  });
});
