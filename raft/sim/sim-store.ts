import type { Entry, HardState, NodeId, Ready, RestoredState, Snapshot } from '../core/types.js';
import type { LogView } from './invariants.js';

/** A harness-side programmer error (the simulator or the core broke the Ready contract). */
export class SimContractError extends Error {
  constructor(message: string) {
    super(`ready contract broken: ${message}`);
    this.name = 'SimContractError';
  }
}

/**
 * One simulated node's durable storage: what survives a crash. Writes are "synced" the
 * moment they happen; anything the driver had not written yet is lost on a crash.
 */
export class SimStore implements LogView {
  constructor(readonly id: NodeId) {}

  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  /** Contiguous stored entries (possibly a kept tail behind the snapshot). */
  entries: Entry[] = [];

  snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  firstIndex(): number {
    return this.entries[0]?.index ?? this.snapshotIndex() + 1;
  }

  lastIndex(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snapshotIndex() : last.index;
  }

  /** Lowest index whose term is known (the snapshot point counts). */
  lowestKnownIndex(): number {
    return Math.min(this.firstIndex(), this.snapshotIndex());
  }

  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    const first = this.entries[0];
    if (first !== undefined && index >= first.index && index <= this.lastIndex()) {
      return this.entries[index - first.index]?.term;
    }
    if (this.snapshot !== null && index === this.snapshot.meta.index) return this.snapshot.meta.term;
    return undefined;
  }

  entryAt(index: number): Entry | undefined {
    const first = this.entries[0];
    if (first === undefined || index < first.index) return undefined;
    return this.entries[index - first.index];
  }

  /** Persist one Ready's durable part, as one synced batch. */
  persistReady(ready: Ready): void {
    if (ready.snapshot !== null) {
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    if (ready.entries.length > 0) this.writeEntries(ready.entries);
    if (ready.hardState !== null) this.hardState = ready.hardState;
  }

  /** The application compacted: keep the snapshot and the entries from `firstIndex` on. */
  persistCompaction(snapshot: Snapshot, firstIndex: number): void {
    if (snapshot.meta.index < this.snapshotIndex()) {
      throw new SimContractError(`compaction snapshot ${snapshot.meta.index} older than stored ${this.snapshotIndex()}`);
    }
    this.snapshot = snapshot;
    const first = this.entries[0];
    if (first !== undefined && firstIndex > first.index) this.entries = this.entries.slice(firstIndex - first.index);
  }

  restoredState(): RestoredState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }

  private writeEntries(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) {
      throw new SimContractError(`entries start at ${first.index}, leaving a gap after stored last index ${this.lastIndex()}`);
    }
    if (first.index <= this.snapshotIndex() && this.entries.length === 0) {
      throw new SimContractError(`entries start at ${first.index}, inside snapshot ${this.snapshotIndex()}`);
    }
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]?.index !== first.index + i) throw new SimContractError('ready entries are not contiguous');
    }
    const storedFirst = this.entries[0];
    if (storedFirst === undefined) {
      this.entries = [...entries];
      return;
    }
    if (first.index < storedFirst.index) {
      throw new SimContractError(`entries start at ${first.index}, below first stored index ${storedFirst.index}`);
    }
    this.entries.length = first.index - storedFirst.index;
    for (const entry of entries) this.entries.push(entry);
  }
}
