import { afterEach, describe, expect, it } from 'vitest';
import { AssertionFailure } from '../errors.js';
import type { BazaarStateMachine } from './state-machine.js';
import { chunksOf, emptyEntry, makeTempDir, normalEntry, openMachine, restoreSnapshot, takeSnapshot, trade } from './test-support.js';

const SYMBOLS = ['aaa', 'bbb', 'ccc'];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(overrides = {}): Promise<{ machine: BazaarStateMachine; dir: string }> {
  const temp = await makeTempDir('sm');
  const machine = await openMachine(temp.dir, SYMBOLS, overrides);
  cleanups.push(temp.remove, () => machine.close().catch(() => undefined));
  return { machine, dir: temp.dir };
}

describe('BazaarStateMachine', () => {
  it('starts every stock at quantity 100, volume 0', async () => {
    const { machine } = await fresh();
    expect(machine.stockNames()).toEqual(SYMBOLS);
    expect(machine.getStock('bbb')).toEqual({ name: 'bbb', quantity: 100, volume: 0, modifiedIndex: 0 });
    expect(await machine.appliedIndex()).toBe(0);
  });

  it('executes BUY iff quantity suffices, SELL always; numbers are dense', async () => {
    const { machine } = await fresh();
    const results = await machine.apply([
      normalEntry(1, trade('aaa', 'BUY', 60, { price: 3.5 })),
      normalEntry(2, trade('aaa', 'BUY', 41)),
      emptyEntry(3),
      normalEntry(4, trade('aaa', 'SELL', 5)),
      normalEntry(5, trade('zzz', 'SELL', 5)),
      normalEntry(6, trade('aaa', 'BUY', 45)),
    ]);
    expect(results.map((r) => (r === null ? null : r.ok ? r.transactionNumber : r.code))).toEqual([
      1,
      'insufficient',
      null,
      2,
      'unknown-stock',
      3,
    ]);
    expect(machine.getStock('aaa')).toEqual({ name: 'aaa', quantity: 0, volume: 110, modifiedIndex: 6 });
    expect(await machine.getOrder(1)).toEqual({ number: 1, name: 'aaa', type: 'BUY', quantity: 60, price: 3.5, executedAtMs: 1000 });
    expect(await machine.getOrder(4)).toBeNull();
    expect(machine.lastApplied).toBe(6);
  });

  it('shows a batch and hands its results to onResults before the batch is written, the same results apply returns', async () => {
    // One cached order: the batch's first orders are readable only from the unwritten batch.
    const { machine } = await fresh({ orderCacheEntriesMax: 1 });
    await machine.apply([normalEntry(1, trade('aaa', 'SELL', 5))]);
    const seen: { results: unknown; appliedThen: number; stockThen: number | undefined; ordersThen: Promise<unknown>[] }[] = [];
    const batch = [normalEntry(2, trade('aaa', 'BUY', 30)), normalEntry(3, trade('bbb', 'SELL', 2)), normalEntry(4, trade('aaa', 'BUY', 1))];
    let applyResolved = false;
    const applying = machine.apply(batch, (early) => {
      seen.push({ results: [...early], appliedThen: machine.lastApplied, stockThen: machine.getStock('aaa')?.quantity, ordersThen: [2, 3, 4].map((n) => machine.getOrder(n)) });
      expect(applyResolved).toBe(false);
    });
    const results = await applying.then((r) => ((applyResolved = true), r));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.results).toEqual(results);
    // The batch is visible when its results are handed over (committed entries; the write is not synced).
    expect(seen[0]?.appliedThen).toBe(4);
    expect(seen[0]?.stockThen).toBe(74);
    const ordersThen = await Promise.all(seen[0]?.ordersThen ?? []);
    expect(ordersThen.map((o) => (o as { number: number } | null)?.number)).toEqual([2, 3, 4]);
    expect(machine.lastApplied).toBe(4);
    // After the write the orders come from LevelDB (the cache holds one).
    expect((await machine.getOrder(2))?.quantity).toBe(30);
    expect((await machine.getOrder(3))?.quantity).toBe(2);
  });

  it('replays an idempotency key, rejects it with another body, remembers rejections', async () => {
    const { machine } = await fresh();
    const results = await machine.apply([
      normalEntry(1, trade('aaa', 'BUY', 10, { key: 'k1' })),
      normalEntry(2, trade('aaa', 'BUY', 10, { key: 'k1', atMs: 2000 })),
      normalEntry(3, trade('aaa', 'BUY', 11, { key: 'k1' })),
      normalEntry(4, trade('bbb', 'BUY', 500, { key: 'k2' })),
      normalEntry(5, trade('bbb', 'SELL', 500)),
      normalEntry(6, trade('bbb', 'BUY', 500, { key: 'k2' })),
    ]);
    expect(results[0]).toMatchObject({ ok: true, transactionNumber: 1, replayed: false });
    expect(results[1]).toMatchObject({ ok: true, transactionNumber: 1, replayed: true, stock: { quantity: 90 } });
    expect(results[2]).toEqual({ ok: false, code: 'key-conflict', replayed: false });
    expect(results[3]).toEqual({ ok: false, code: 'insufficient', replayed: false });
    expect(results[5]).toEqual({ ok: false, code: 'insufficient', replayed: true });
    expect(machine.getStock('aaa')?.quantity).toBe(90);
    expect(machine.getStock('bbb')?.quantity).toBe(600);
  });

  it('expires keys by count and by command-time age', async () => {
    const { machine } = await fresh({ idempotencyKeysMax: 2, idempotencyKeyTtlMs: 1000 });
    await machine.apply([
      normalEntry(1, trade('aaa', 'SELL', 1, { key: 'a', atMs: 1000 })),
      normalEntry(2, trade('aaa', 'SELL', 1, { key: 'b', atMs: 1000 })),
      normalEntry(3, trade('aaa', 'SELL', 1, { key: 'c', atMs: 1000 })),
    ]);
    // 'a' was pushed out by count: a retry executes again.
    const [againA] = await machine.apply([normalEntry(4, trade('aaa', 'SELL', 1, { key: 'a', atMs: 1500 }))]);
    expect(againA).toMatchObject({ ok: true, transactionNumber: 4, replayed: false });
    // 'c' (recorded at 1000) is still there at 1500 ...
    const [againC] = await machine.apply([normalEntry(5, trade('aaa', 'SELL', 1, { key: 'c', atMs: 1500 }))]);
    expect(againC).toMatchObject({ transactionNumber: 3, replayed: true });
    // ... but not once a command carries time > 1000 + ttl.
    const [lateC] = await machine.apply([normalEntry(6, trade('aaa', 'SELL', 1, { key: 'c', atMs: 2001 }))]);
    expect(lateC).toMatchObject({ transactionNumber: 5, replayed: false });
  });

  it('survives a restart exactly at its applied index, keys included', async () => {
    const temp = await makeTempDir('sm-restart');
    cleanups.push(temp.remove);
    const first = await openMachine(temp.dir, SYMBOLS);
    await first.apply([normalEntry(1, trade('ccc', 'BUY', 30, { key: 'x' })), emptyEntry(2)]);
    await first.close();
    const second = await openMachine(temp.dir, SYMBOLS);
    cleanups.push(() => second.close());
    expect(await second.appliedIndex()).toBe(2);
    expect(second.getStock('ccc')?.quantity).toBe(70);
    const [retry] = await second.apply([normalEntry(3, trade('ccc', 'BUY', 30, { key: 'x' }))]);
    expect(retry).toMatchObject({ ok: true, transactionNumber: 1, replayed: true });
    expect(await second.getOrder(1)).toMatchObject({ name: 'ccc', quantity: 30 });
  });

  it('refuses a data dir whose catalog differs from the symbols', async () => {
    const temp = await makeTempDir('sm-catalog');
    cleanups.push(temp.remove);
    const first = await openMachine(temp.dir, SYMBOLS);
    await first.close();
    await expect(openMachine(temp.dir, ['aaa', 'ddd'])).rejects.toThrow(/differ from the 2 configured symbols/);
  });

  it('asserts on a gap in the log, then refuses all further work', async () => {
    const { machine } = await fresh();
    await expect(machine.apply([normalEntry(2, trade('aaa', 'BUY', 1))])).rejects.toThrow(/apply of index 2 after 0/);
    await expect(machine.apply([normalEntry(1, trade('aaa', 'BUY', 1))])).rejects.toThrow(/apply of index 2 after 0/);
    await expect(machine.checkpoint()).rejects.toThrow(AssertionFailure);
    expect(machine.snapshotChunks(0, 4096)).toBeNull();
  });

  it('asserts on a corrupt entry', async () => {
    const { machine } = await fresh();
    const corrupt = { ...emptyEntry(1), kind: 'normal' as const, data: new TextEncoder().encode('{"v":1}') };
    await expect(machine.apply([corrupt])).rejects.toThrow(/command op undefined unknown/);
    expect(machine.getStock('aaa')?.quantity).toBe(100);
  });

  it('prunes orders beyond ordersRetainedMax deterministically', async () => {
    const { machine } = await fresh({ ordersRetainedMax: 2 });
    await machine.apply([1, 2, 3].map((i) => normalEntry(i, trade('aaa', 'SELL', i))));
    expect(await machine.getOrder(1)).toBeNull();
    expect(await machine.getOrder(2)).toMatchObject({ quantity: 2 });
    const snapshot = await takeSnapshot(machine);
    expect(new TextDecoder().decode(snapshot.data).match(/\["o"/g)).toHaveLength(2);
  });

  it('prunes cached orders across applies (only the orders each batch pushed out)', async () => {
    const { machine } = await fresh({ ordersRetainedMax: 2 });
    await machine.apply([1, 2].map((i) => normalEntry(i, trade('aaa', 'SELL', i))));
    expect(await machine.getOrder(1)).toMatchObject({ quantity: 1 }); // now cached
    expect(await machine.getOrder(2)).toMatchObject({ quantity: 2 });
    await machine.apply([normalEntry(3, trade('aaa', 'SELL', 3))]);
    expect(await machine.getOrder(1)).toBeNull();
    expect(await machine.getOrder(3)).toMatchObject({ quantity: 3 });
    await machine.apply([4, 5].map((i) => normalEntry(i, trade('aaa', 'SELL', i))));
    expect(await machine.getOrder(2)).toBeNull();
    expect(await machine.getOrder(3)).toBeNull();
    expect(await machine.getOrder(4)).toMatchObject({ quantity: 4 });
    expect(await machine.getOrder(5)).toMatchObject({ quantity: 5 });
  });

  it('waitForApplied resolves on apply and times out otherwise', async () => {
    const { machine } = await fresh();
    const waiting = machine.waitForApplied(1, 5_000);
    await machine.apply([emptyEntry(1)]);
    await expect(waiting).resolves.toBeUndefined();
    await expect(machine.waitForApplied(2, 20)).rejects.toThrow(/did not reach 2/);
  });

  it('restores a snapshot into a machine with other state, and a restart keeps it', async () => {
    const { machine: source } = await fresh();
    await source.apply([normalEntry(1, trade('aaa', 'BUY', 9, { key: 'q' })), normalEntry(2, trade('bbb', 'SELL', 4))]);
    const snap = await takeSnapshot(source);
    await source.apply([normalEntry(3, trade('ddd', 'SELL', 1))]);
    // The view stays at the checkpoint while the machine moves on.
    expect(await takeSnapshotAt(source, snap.index)).toEqual(snap.data);
    const temp = await makeTempDir('sm-restore');
    cleanups.push(temp.remove);
    const target = await openMachine(temp.dir, SYMBOLS);
    await target.apply([normalEntry(1, trade('ccc', 'BUY', 50))]);
    await restoreSnapshot(target, snap);
    expect(await takeSnapshotAt(target, snap.index)).toEqual(snap.data);
    await target.close();
    const reopened = await openMachine(temp.dir, SYMBOLS);
    cleanups.push(() => reopened.close());
    expect((await takeSnapshot(reopened)).data).toEqual(snap.data);
    expect(reopened.getStock('ccc')?.quantity).toBe(100);
  });

  it('rejects a truncated snapshot', async () => {
    const { machine } = await fresh();
    const snap = await takeSnapshot(machine);
    const truncated = snap.data.subarray(0, snap.data.length - 10);
    await expect(machine.restore({ index: 0, term: 0, voters: [] }, chunksOf(truncated))).rejects.toThrow(AssertionFailure);
  });

  it('restores through a crash: a restart mid-restore starts empty, a completed restore survives', async () => {
    const { machine: source } = await fresh();
    await source.apply([normalEntry(1, trade('aaa', 'SELL', 5)), normalEntry(2, trade('bbb', 'BUY', 7, { key: 'z' }))]);
    const snap = await takeSnapshot(source);
    const temp = await makeTempDir('sm-restore-crash');
    cleanups.push(temp.remove);
    const target = await openMachine(temp.dir, SYMBOLS);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield snap.data.subarray(0, 100);
      throw new Error('stream broke');
    }
    await expect(target.restore({ index: snap.index, term: 1, voters: ['n1'] }, failing())).rejects.toThrow(/stream broke/);
    await target.close();
    const afterCrash = await openMachine(temp.dir, SYMBOLS);
    expect(afterCrash.lastApplied).toBe(0);
    await restoreSnapshot(afterCrash, snap);
    await afterCrash.close();
    const reopened = await openMachine(temp.dir, SYMBOLS);
    cleanups.push(() => reopened.close());
    expect(reopened.lastApplied).toBe(2);
    expect((await takeSnapshot(reopened)).data).toEqual(snap.data);
  });

  it('streams a snapshot in bounded chunks while applies go on, and refuses a view it does not hold', async () => {
    const { machine } = await fresh({ ordersRetainedMax: 10_000 });
    await machine.apply(Array.from({ length: 3000 }, (_, i) => normalEntry(i + 1, trade('aaa', 'SELL', 1))));
    const { index, data } = await machine.checkpoint();
    expect(data).toBeNull();
    expect(machine.snapshotChunks(index - 1, 4096)).toBeNull();
    const chunks = machine.snapshotChunks(index, 4096);
    if (chunks === null) throw new Error('no view');
    const sizes: number[] = [];
    for await (const chunk of chunks) {
      sizes.push(chunk.byteLength);
      if (sizes.length === 2) await machine.apply([normalEntry(3001, trade('aaa', 'BUY', 1))]);
    }
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
    const whole = await takeSnapshotAt(machine, index);
    expect(new TextDecoder().decode(whole).match(/\["o"/g)).toHaveLength(3000);
    expect(new TextDecoder().decode(whole).split('\n')[0]).toContain(`"applied":${index}`);
  });
});

async function takeSnapshotAt(machine: BazaarStateMachine, index: number): Promise<Uint8Array> {
  const chunks = machine.snapshotChunks(index, 1000);
  if (chunks === null) throw new Error(`no view at ${index}`);
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}
