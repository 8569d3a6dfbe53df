import type { HardState, RestoredState, Snapshot } from '../core/types.js';
import type { LogStorage, ReadyWrite } from '../storage/log-storage.js';
import { type LogDisk, MemoryLogStorage } from '../storage/memory-log-storage.js';
import { fenceWrite, type IoGate } from './sim-state-machine.js';

export interface LogObserver {
  /** About to write `after` over the stored `before` (the driver's own hard state history). */
  hardState(before: HardState, after: HardState): void;
  /** The write is in the disk (the harness re-checks log matching); `entries` were just stored. */
  written(what: string, entries: ReadyWrite['entries']): void;
}

/**
 * The storage a simulated node runs: the library's MemoryLogStorage over the node's disk,
 * with a crash point before and after every write (a crash "after" keeps the write, synced
 * or not; the power loss that may follow decides what an unsynced one leaves).
 */
export class SimLogStorage implements LogStorage {
  private readonly inner: MemoryLogStorage;

  constructor(
    private readonly disk: LogDisk,
    private readonly gate: IoGate,
    private readonly observer: LogObserver,
  ) {
    this.inner = new MemoryLogStorage(disk);
  }

  load(): Promise<RestoredState> {
    return this.inner.load();
  }

  async persistReady(ready: ReadyWrite): Promise<void> {
    if (ready.hardState === null && ready.snapshot === null && ready.entries.length === 0) return;
    await this.gate('persist:before');
    fenceWrite(this.gate, 'log write');
    if (ready.hardState !== null) this.observer.hardState(this.disk.read().hardState, ready.hardState);
    await this.inner.persistReady(ready);
    this.observer.written(describeWrite(ready), ready.entries);
    await this.gate('persist:after');
  }

  async saveSnapshot(snapshot: Snapshot, firstIndexKept: number): Promise<void> {
    await this.gate('compact:before');
    fenceWrite(this.gate, 'compaction');
    await this.inner.saveSnapshot(snapshot, firstIndexKept);
    this.observer.written(`compacted: snapshot ${snapshot.meta.index}/${snapshot.meta.term}, log from ${firstIndexKept}`, []);
    await this.gate('compact:after');
  }

  storedRange(): { first: number; last: number; snapshotIndex: number } {
    return this.inner.storedRange();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function describeWrite(ready: ReadyWrite): string {
  const parts: string[] = [];
  const hs = ready.hardState;
  if (hs !== null) parts.push(`hs=term ${hs.term} vote ${hs.vote ?? '-'} commit ${hs.commit}`);
  if (ready.snapshot !== null) parts.push(`snapshot=${ready.snapshot.meta.index}/${ready.snapshot.meta.term}`);
  const first = ready.entries[0];
  const last = ready.entries.at(-1);
  if (first !== undefined && last !== undefined) parts.push(`entries=${first.index}/${first.term}..${last.index}/${last.term}`);
  return `wrote ${parts.join(' ')}`;
}
