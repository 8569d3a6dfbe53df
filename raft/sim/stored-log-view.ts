import { decodeConfEntry, type ConfEntry } from '../core/conf-change.js';
import { snapshotConf } from '../core/conf-tracker.js';
import { EntryKind, type NodeId } from '../core/types.js';
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

  /** The configuration change stored at `index`, or undefined (another kind of entry, or not held). */
  confEntryAt(index: number): ConfEntry | undefined {
    const log = this.read();
    const first = log.entries[0];
    if (first === undefined || index < first.index) return undefined;
    const entry = log.entries[index - first.index];
    return entry?.kind === EntryKind.ConfChange ? decodeConfEntry(entry.data) : undefined;
  }

  /** Indexes of the configuration entries stored above `index`. */
  confIndexesAbove(index: number): number[] {
    const entries = this.read().entries;
    const found: number[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry === undefined || entry.index <= index) break;
      if (entry.kind === EntryKind.ConfChange) found.unshift(entry.index);
    }
    return found;
  }

  /**
   * The voters in effect at `index` by this log, as the core reconstructs them (conf-tracker.ts):
   * the latest configuration entry at or below `index`, else the snapshot's when it is at or below
   * `index`, else `bootstrap` when the log starts at 1. Undefined when the log cannot tell.
   */
  votersAt(index: number, bootstrap: readonly NodeId[]): readonly NodeId[] | undefined {
    const log = this.read();
    const snapshot = log.snapshot?.meta ?? null;
    if (index > storedLastIndex(log)) return undefined;
    for (let i = log.entries.length - 1; i >= 0; i--) {
      const entry = log.entries[i];
      if (entry === undefined || entry.index > index) continue;
      if (snapshot !== null && entry.index <= snapshot.index && index >= snapshot.index) break;
      if (entry.kind === EntryKind.ConfChange) return decodeConfEntry(entry.data).conf.voters;
    }
    if (snapshot !== null && snapshot.index <= index) return snapshotConf(snapshot).voters;
    return storedFirstIndex(log) === 1 && snapshot === null ? bootstrap : undefined;
  }

  /** Index of the latest configuration entry stored (undefined: none; the snapshot's or bootstrap's is in effect). */
  latestConfIndex(): number | undefined {
    const entries = this.read().entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry?.kind === EntryKind.ConfChange) return entry.index;
    }
    return undefined;
  }

  /** The voters of the latest configuration in this log (its node's configuration in effect). */
  latestVoters(bootstrap: readonly NodeId[]): readonly NodeId[] {
    return this.votersAt(this.lastIndex(), bootstrap) ?? bootstrap;
  }
}
