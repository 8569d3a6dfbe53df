import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, HardState, RestoredState, Snapshot } from '../core/types.js';
import { EntryKind } from '../core/types.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { type FsyncSample, LevelLogStorage } from './level-log-storage.js';

const enc = new TextEncoder();

function entry(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index, term, kind: EntryKind.Normal, data: enc.encode(text) };
}

function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

function snap(index: number, term: number, text = `snap@${index}`): Snapshot {
  return { meta: { index, term, voters: ['a', 'b', 'c'], learners: ['d'], addresses: { d: '127.0.0.1:9' } }, data: enc.encode(text) };
}

const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const ready = (p: { hardState?: HardState; snapshot?: Snapshot; entries?: Entry[] }) => ({
  hardState: p.hardState ?? null,
  snapshot: p.snapshot ?? null,
  entries: p.entries ?? [],
});
const summary = (entries: readonly Entry[]) => entries.map((e) => `${e.index}/${e.term}/${new TextDecoder().decode(e.data)}`);

describe('LevelLogStorage', () => {
  let dir: string;
  const opened: LevelLogStorage[] = [];

  async function open(onFsync?: (s: FsyncSample) => void): Promise<LevelLogStorage> {
    const storage = await LevelLogStorage.open(dir, onFsync === undefined ? {} : { onFsync });
    opened.push(storage);
    return storage;
  }

  async function reopen(storage: LevelLogStorage): Promise<LevelLogStorage> {
    await storage.close();
    const again = await open();
    return again;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raft-log-'));
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts empty', async () => {
    const storage = await open();
    expect(await storage.load()).toEqual({ hardState: hs(0, null, 0), snapshot: null, entries: [] });
  });

  it('round-trips hard state and entries across reopen, one fsync per batch', async () => {
    const samples: FsyncSample[] = [];
    const storage = await open((s) => samples.push(s));
    await storage.load();
    await storage.persistReady(ready({ hardState: hs(3, 'b', 2), entries: range(1, 5, 3) }));
    await storage.persistReady(ready({ entries: [{ index: 6, term: 3, kind: EntryKind.Empty, data: new Uint8Array(0) }] }));
    await storage.persistReady(ready({}));
    expect(samples.map((s) => s.entries)).toEqual([5, 1]);
    expect(samples.every((s) => s.durationMs >= 0)).toBe(true);
    const again = await reopen(storage);
    const restored = await again.load();
    expect(restored.hardState).toEqual(hs(3, 'b', 2));
    expect(summary(restored.entries)).toEqual([...summary(range(1, 5, 3)), '6/3/']);
    expect(restored.entries[5]?.kind).toBe(EntryKind.Empty);
  });

  it('keeps a null vote distinct from an empty-string vote', async () => {
    const storage = await open();
    await storage.load();
    await storage.persistReady(ready({ hardState: hs(1, '', 0) }));
    expect((await (await reopen(storage)).load()).hardState.vote).toBe('');
  });

  it('overwrites from entries[0].index and truncates the stale tail', async () => {
    const storage = await open();
    await storage.load();
    await storage.persistReady(ready({ entries: range(1, 10, 1) }));
    await storage.persistReady(ready({ entries: range(4, 6, 2) }));
    const restored = await (await reopen(storage)).load();
    expect(summary(restored.entries)).toEqual([...summary(range(1, 3, 1)), ...summary(range(4, 6, 2))]);
  });

  it('rejects entries that would leave a gap', async () => {
    const storage = await open();
    await storage.load();
    await storage.persistReady(ready({ entries: range(1, 3, 1) }));
    await expect(storage.persistReady(ready({ entries: range(5, 6, 1) }))).rejects.toThrow(/gap/);
  });

  it('keeps configuration-change entries and their kind across a reopen', async () => {
    const storage = await open();
    await storage.load();
    const conf: Entry = { index: 2, term: 1, kind: EntryKind.ConfChange, data: enc.encode('{"change":{}}') };
    await storage.persistReady(ready({ hardState: hs(1, 'a', 2), entries: [entry(1, 1), conf] }));
    const restored = await (await reopen(storage)).load();
    expect(restored.entries.map((e) => e.kind)).toEqual([EntryKind.Normal, EntryKind.ConfChange]);
    expect(new TextDecoder().decode(restored.entries[1]?.data)).toBe('{"change":{}}');
  });

  it('compacts with saveSnapshot and restores snapshot + tail', async () => {
    const storage = await open();
    await storage.load();
    await storage.persistReady(ready({ hardState: hs(2, 'a', 20), entries: range(1, 20, 2) }));
    await storage.saveSnapshot(snap(15, 2), 11);
    expect(storage.storedRange()).toEqual({ first: 11, last: 20, snapshotIndex: 15 });
    const restored = await (await reopen(storage)).load();
    expect(restored.snapshot?.meta).toEqual({ index: 15, term: 2, voters: ['a', 'b', 'c'], learners: ['d'], addresses: { d: '127.0.0.1:9' } });
    expect(new TextDecoder().decode(restored.snapshot?.data)).toBe('snap@15');
    expect(restored.entries.map((e) => e.index)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('a received snapshot with a conflicting term replaces the whole log', async () => {
    const storage = await open();
    await storage.load();
    await storage.persistReady(ready({ entries: range(1, 10, 1) }));
    await storage.persistReady(ready({ hardState: hs(3, null, 12), snapshot: snap(12, 3) }));
    await storage.persistReady(ready({ entries: range(13, 14, 3) }));
    const restored = await (await reopen(storage)).load();
    expect(restored.snapshot?.meta.index).toBe(12);
    expect(summary(restored.entries)).toEqual(summary(range(13, 14, 3)));
    expect(restored.hardState.commit).toBe(12);
  });

  it('a received snapshot replaces the whole stored log, even entries after it', async () => {
    const storage = await open();
    await storage.load();
    await storage.persistReady(ready({ entries: range(1, 10, 1) }));
    await storage.persistReady(ready({ snapshot: snap(7, 1) }));
    expect((await (await reopen(storage)).load()).entries).toEqual([]);
  });

  it('syncs every write, a hard state alone too (what to defer is the driver\'s call)', async () => {
    const samples: FsyncSample[] = [];
    const storage = await open((s) => samples.push(s));
    await storage.load();
    await storage.persistReady(ready({ hardState: hs(1, 'a', 0), entries: range(1, 2, 1) }));
    await storage.persistReady(ready({ hardState: hs(1, 'a', 2) }));
    expect(samples.map((s) => s.entries)).toEqual([2, 0]);
    // A copy of the directory now is what a kill -9 would leave.
    expect((await loadCopy(dir)).hardState).toEqual(hs(1, 'a', 2));
    await storage.persistReady(ready({}));
    expect(samples).toHaveLength(2);
  });

  it('refuses a second open of the same directory with STORAGE_LOCKED', async () => {
    await open();
    const error = await LevelLogStorage.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaftError);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.StorageLocked);
    expect((error as RaftError).message).toBe(`data directory ${dir} is already in use by another process`);
  });

  it('reports a data path that is a file as STORAGE_UNREADABLE', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const error = await LevelLogStorage.open(file).catch((e: unknown) => e);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.StorageUnreadable);
    expect((error as RaftError).message).toMatch(/not a directory/);
  });

  it('reports a corrupt database as STORAGE_UNREADABLE', async () => {
    const storage = await open();
    await storage.close();
    await writeFile(join(dir, 'CURRENT'), 'MANIFEST-999999\n');
    const error = await LevelLogStorage.open(dir).catch((e: unknown) => e);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.StorageUnreadable);
  });
});

let copies = 0;

/** Load a copy of a log directory that is still open (what a crash of its process would leave). */
async function loadCopy(dir: string): Promise<RestoredState> {
  copies += 1;
  const copy = `${dir}-copy-${copies}`;
  await cp(dir, copy, { recursive: true, filter: (src) => !src.endsWith('LOCK') });
  const storage = await LevelLogStorage.open(copy);
  try {
    return await storage.load();
  } finally {
    await storage.close();
    await rm(copy, { recursive: true, force: true });
  }
}
