/** One put or delete of a LevelDB batch. */
export type LevelBatchOp<K, V> = { type: 'put'; key: K; value: V } | { type: 'del'; key: K };

/** What writeLevelBatch needs of a LevelDB handle (classic-level's chained batch). */
export interface ChainedBatchSource<K, V> {
  batch(): {
    put(key: K, value: V): unknown;
    del(key: K): unknown;
    write(options: { sync: boolean }): Promise<void>;
    close(): Promise<void>;
  };
}

/**
 * Write `ops` as one atomic LevelDB batch, and empty the array. A chained batch takes the
 * options once, at the write: the array form `db.batch(ops, { sync })` copies them into every op
 * (abstract-level's `{ ...options, ...op }`), about twice the CPU per op (10.3 vs 19.5 us per
 * entry of a synced 16-entry batch). And the ops are in the native batch before the write starts,
 * so nothing the write holds stays reachable while it runs: under load a synced write outlives
 * two scavenges, and whatever it holds is promoted, to be freed only by a major GC.
 */
export async function writeLevelBatch<K, V>(db: ChainedBatchSource<K, V>, ops: LevelBatchOp<K, V>[], sync: boolean): Promise<void> {
  const batch = db.batch();
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
  } catch (err) {
    await batch.close();
    throw err;
  }
  ops.length = 0;
  await batch.write({ sync });
}
