import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { type LevelBatchOp, writeLevelBatch } from './level-batch.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function openDb(): Promise<Level<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'level-batch-'));
  dirs.push(dir);
  const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  return db;
}

describe('writeLevelBatch', () => {
  it('writes puts and deletes as one batch (synced or not) and empties the ops', async () => {
    const db = await openDb();
    try {
      await db.put('old', 'x');
      const ops: LevelBatchOp<string, string>[] = [
        { type: 'put', key: 'a', value: '1' },
        { type: 'del', key: 'old' },
        { type: 'put', key: 'b', value: '2' },
      ];
      await writeLevelBatch(db, ops, true);
      expect(ops).toEqual([]);
      expect(await db.getMany(['a', 'b', 'old'])).toEqual(['1', '2', undefined]);
      await writeLevelBatch(db, [{ type: 'put', key: 'c', value: '3' }], false);
      expect(await db.get('c')).toBe('3');
    } finally {
      await db.close();
    }
  });

  it('writes nothing when an op is invalid', async () => {
    const db = await openDb();
    try {
      const ops = [
        { type: 'put', key: 'a', value: '1' },
        { type: 'put', key: null, value: '2' },
      ] as unknown as LevelBatchOp<string, string>[];
      await expect(writeLevelBatch(db, ops, false)).rejects.toThrow();
      expect(await db.get('a')).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
