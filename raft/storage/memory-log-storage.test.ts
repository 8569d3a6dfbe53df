import { describe, expect, it } from 'vitest';
import { EntryKind, type Entry } from '../core/types.js';
import { MemoryDisk } from './memory-disk.js';
import { MemoryLogStorage, newLogDisk } from './memory-log-storage.js';

const entry = (index: number, term: number): Entry => ({ index, term, kind: EntryKind.Normal, data: new Uint8Array([index]) });

describe('MemoryDisk', () => {
  it('keeps synced writes and a prefix of the unsynced ones across a power loss', () => {
    const disk = new MemoryDisk<number[]>([], (list) => list.slice());
    disk.write((list) => list.push(1), true);
    disk.write((list) => list.push(2), false);
    disk.write((list) => list.push(3), false);
    disk.write((list) => list.push(4), false);
    expect(disk.read()).toEqual([1, 2, 3, 4]);
    expect(disk.readDurable()).toEqual([1]);
    expect(disk.powerLoss(1)).toBe(2);
    expect(disk.read()).toEqual([1, 2]);
    expect(disk.unsyncedWrites()).toBe(0);
  });

  it('a synced write makes every earlier unsynced write durable', () => {
    const disk = new MemoryDisk<number[]>([], (list) => list.slice());
    disk.write((list) => list.push(1), false);
    disk.write((list) => list.push(2), true);
    expect(disk.powerLoss(0)).toBe(0);
    expect(disk.read()).toEqual([1, 2]);
  });

  it('writes the oldest unsynced write back once more than unsyncedWritesMax are cached', () => {
    const disk = new MemoryDisk<number[]>([], (list) => list.slice(), 2);
    for (let i = 1; i <= 3; i++) disk.write((list) => list.push(i), false);
    expect(disk.readDurable()).toEqual([1]);
    expect(disk.powerLoss(0)).toBe(2);
    expect(disk.read()).toEqual([1]);
  });
});

describe('MemoryLogStorage', () => {
  it('syncs every write: a power loss keeps the log and the hard state', async () => {
    const disk = newLogDisk();
    const storage = new MemoryLogStorage(disk);
    await storage.persistReady({ hardState: { term: 2, vote: 'n2', commit: 0 }, snapshot: null, entries: [entry(1, 2), entry(2, 2)] });
    await storage.persistReady({ hardState: { term: 2, vote: 'n2', commit: 2 }, snapshot: null, entries: [] });
    disk.powerLoss(0);
    const restored = await new MemoryLogStorage(disk).load();
    expect(restored.hardState).toEqual({ term: 2, vote: 'n2', commit: 2 });
    expect(restored.entries.map((e) => e.index)).toEqual([1, 2]);
  });

  it('a vote-only Ready survives a power loss (a vote must never be forgotten)', async () => {
    const disk = newLogDisk();
    const storage = new MemoryLogStorage(disk);
    await storage.persistReady({ hardState: { term: 3, vote: 'n3', commit: 0 }, snapshot: null, entries: [] });
    disk.powerLoss(0);
    expect((await new MemoryLogStorage(disk).load()).hardState).toEqual({ term: 3, vote: 'n3', commit: 0 });
  });

  it('overwrites a conflicting tail and compacts behind a snapshot', async () => {
    const storage = new MemoryLogStorage(newLogDisk());
    await storage.persistReady({ hardState: null, snapshot: null, entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
    await storage.persistReady({ hardState: null, snapshot: null, entries: [entry(2, 2)] });
    expect((await storage.load()).entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/2']);
    await storage.saveSnapshot({ meta: { index: 1, term: 1, voters: ['n1'] }, data: new Uint8Array() }, 2);
    expect(storage.storedRange()).toEqual({ first: 2, last: 2, snapshotIndex: 1 });
    await expect(storage.persistReady({ hardState: null, snapshot: null, entries: [entry(5, 2)] })).rejects.toThrow(/gap/);
  });
});
