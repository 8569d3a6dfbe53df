import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotMeta } from '../core/types.js';
import { MemorySnapshotSpool, SNAPSHOT_SPOOL_FILES_MAX, SnapshotSpool, type SnapshotSpoolStore } from './snapshot-spool.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const meta = (index: number, term = 1): SnapshotMeta => ({ index, term, voters: ['n1'] });

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

async function text(source: AsyncIterable<Uint8Array> | null): Promise<string | null> {
  if (source === null) return null;
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts).toString();
}

const kinds: [string, () => Promise<SnapshotSpoolStore>][] = [
  ['file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spool-'));
    dirs.push(dir);
    return new SnapshotSpool(join(dir, 'spool'));
  }],
  ['memory', async () => new MemorySnapshotSpool()],
];

describe.each(kinds)('%s snapshot spool', (_kind, make) => {
  it('keeps what it was given per (index, term), drops stale ones but the kept one, and is bounded', async () => {
    const spool = await make();
    await spool.open(0);
    await spool.write(meta(10), chunks('ab', 'cd'), 0, 0);
    expect(await text(await spool.read(meta(10)))).toBe('abcd');
    expect(await spool.read(meta(10, 2))).toBeNull();
    await spool.write(meta(20), chunks('x'), 0, 0);
    // Stale below the commit index 25, but 10 is the log's snapshot: kept.
    await spool.write(meta(30), chunks('y'), 25, 10);
    expect(await text(await spool.read(meta(10)))).toBe('abcd');
    expect(await spool.read(meta(20))).toBeNull();
    for (let i = 0; i < SNAPSHOT_SPOOL_FILES_MAX - 2; i++) {
      await spool.write(meta(40 + i), chunks('z'), 0, 0);
    }
    await expect(spool.write(meta(99), chunks('w'), 0, 0)).rejects.toThrow(/already holds/);
    await spool.removeUpTo(30);
    expect(await spool.read(meta(10))).toBeNull();
    expect(await spool.read(meta(30))).toBeNull();
    expect(await text(await spool.read(meta(40)))).toBe('z');
  });

  it('a broken stream leaves nothing behind', async () => {
    const spool = await make();
    await spool.open(0);
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('peer went away');
    }
    await expect(spool.write(meta(5), broken(), 0, 0)).rejects.toThrow(/peer went away/);
    expect(await spool.read(meta(5))).toBeNull();
    if (spool instanceof SnapshotSpool) expect(await readdir(spool.dir)).toEqual([]);
  });
});
