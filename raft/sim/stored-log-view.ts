import type { NodeId } from '../core/types.js';
import { type StoredLog, storedFirstIndex, storedLastIndex } from '../storage/memory-log-storage.js';
import type { LogView } from './invariants.js';

/** The checker's view of a node's stored log (what the process wrote, or what is durable). */
export class StoredLogView implements LogView {
  constructor(
    readonly id: NodeId,
    private readonly read: () => StoredLog,
  ) {}

  snapshotIndex(): number {
    return this.read().snapshot?.meta.index ?? 0;
  }

  lowestKnownIndex(): number {
    return Math.min(storedFirstIndex(this.read()), this.snapshotIndex());
  }

  lastIndex(): number {
    return storedLastIndex(this.read());
  }

  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    const log = this.read();
    const first = log.entries[0];
    if (first !== undefined && index >= first.index) return log.entries[index - first.index]?.term;
    if (log.snapshot !== null && index === log.snapshot.meta.index) return log.snapshot.meta.term;
    return undefined;
  }
}
