import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryRecorder, parseHistory, readHistory, serializeHistory, writeHistory } from './history.js';
import { HistoryBuilder } from './testing/history-builder.js';

const line = (o: Record<string, unknown>): string => JSON.stringify({ index: 0, time: 0, process: 0, type: 'invoke', f: 'read', key: 'aapl', value: null, ...o });

describe('history format', () => {
  it('round-trips through JSONL, including nemesis lines', async () => {
    const ops = new HistoryBuilder()
      .phase('workload')
      .buy(0, 'aapl', 3, 'k1', 'n1').filled(0, 1)
      .nemesis('partition', { action: 'start', shape: 'random-halves' })
      .readOrder(1, 1).orderOk(1, 'aapl', 'BUY', 3)
      .read(2, 'aapl').readOk(2, 97)
      .build();
    const dir = await mkdtemp(join(tmpdir(), 'jepsen-history-'));
    try {
      const path = join(dir, 'history.jsonl');
      await writeHistory(path, ops);
      expect(await readHistory(path)).toEqual(ops);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['not json', '{', /line 1: not valid JSON/],
    ['bad type', line({ type: 'done' }), /"type" must be invoke, ok, fail or info/],
    ['bad f', line({ f: 'cas' }), /"f" must be buy, sell, read or read-order/],
    ['read with value', line({ value: 3 }), /read invoke value must be null/],
    ['negative time', line({ time: -1 }), /"time" must be an integer >= 0/],
    ['trade without qty', line({ f: 'buy', value: { idempotency_key: null } }), /"qty" a positive integer/],
    ['sell rejected', line({ f: 'sell', type: 'ok', value: { qty: 1, filled: false } }), /only a buy can be rejected/],
    ['filled without tx', line({ f: 'buy', type: 'ok', value: { qty: 1, filled: true } }), /needs "tx" >= 1/],
    ['read-order with key', line({ f: 'read-order', value: { tx: 1 } }), /read-order "key" must be null/],
    ['bad order', line({ f: 'read-order', key: null, type: 'ok', value: { tx: 1, name: 'a', type: 'HOLD', quantity: 1 } }), /read-order ok value/],
  ])('rejects %s with a clear message', (_name, text, message) => {
    expect(() => parseHistory(text)).toThrow(message);
  });

  it('rejects structural errors: index gaps, time going back, unmatched completions', () => {
    const a = line({});
    expect(() => parseHistory(`${a}\n${line({ index: 2 })}`)).toThrow(/line 2: index 2, expected 1/);
    const t = (i: number, time: number, type: string) => line({ index: i, time, type, value: type === 'ok' ? { quantity: 1 } : null });
    expect(() => parseHistory(`${t(0, 5, 'invoke')}\n${t(1, 4, 'ok')}`)).toThrow(/before the previous/);
    expect(() => parseHistory(t(0, 0, 'ok'))).toThrow(/completes with no open invoke/);
    expect(() => parseHistory(`${t(0, 0, 'invoke')}\n${t(1, 1, 'invoke')}`)).toThrow(/invokes while op 0 is open/);
  });

  it('recorder stamps consecutive indexes and never lets time go back', () => {
    const times = [10, 5, 20];
    const rec = new HistoryRecorder(() => times.shift() ?? 0);
    rec.phase('workload');
    rec.client({ process: 0, type: 'invoke', f: 'read', key: 'aapl', value: null });
    rec.client({ process: 0, type: 'ok', f: 'read', key: 'aapl', value: { quantity: 1 } });
    const ops = rec.snapshot();
    expect(ops.map((o) => [o.index, o.time])).toEqual([[0, 10], [1, 10], [2, 20]]);
    expect(parseHistory(serializeHistory(ops))).toEqual(ops);
  });
});
