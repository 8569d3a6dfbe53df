import type { SnapshotMeta } from '../core/types.js';
import { MemoryDisk } from '../storage/memory-disk.js';
import type { SnapshotSpoolStore } from '../driver/snapshot-spool.js';
import { fenceWrite, type IoGate } from './sim-state-machine.js';

/** Spooled snapshots a simulated node keeps at once (as the disk spool's bound). */
export const SIM_SPOOL_FILES_MAX = 4;

/** Spooled snapshot data by `<index>-<term>`. */
export type SpoolDisk = MemoryDisk<Map<string, Uint8Array>>;

export function newSpoolDisk(unsyncedWritesMax?: number): SpoolDisk {
  return new MemoryDisk<Map<string, Uint8Array>>(new Map(), (files) => new Map(files), unsyncedWritesMax);
}

const key = (meta: SnapshotMeta): string => `${meta.index}-${meta.term}`;
const indexOf = (name: string): number => Number(name.split('-')[0]);

/**
 * The receiver's snapshot spool on a simulated disk, with the disk spool's guarantees: a
 * write is synced and appears whole or not at all (a crash mid-stream leaves nothing);
 * removals are unsynced (a power loss may bring a removed file back, as an unsynced unlink).
 */
export class SimSnapshotSpool implements SnapshotSpoolStore {
  readonly dir: string;

  constructor(
    id: string,
    private readonly disk: SpoolDisk,
    private readonly gate: IoGate,
  ) {
    this.dir = `sim spool of ${id}`;
  }

  async open(appliedIndex: number): Promise<void> {
    await this.removeUpTo(appliedIndex);
  }

  async write(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>, staleBelow: number, keep: number): Promise<void> {
    this.remove((name) => indexOf(name) < staleBelow && indexOf(name) !== keep);
    if (this.disk.read().size >= SIM_SPOOL_FILES_MAX) throw new Error(`${this.dir} already holds ${this.disk.read().size} snapshots`);
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    await this.gate('spool:write');
    const data = Buffer.concat(parts);
    fenceWrite(this.gate, 'spool write');
    this.disk.write((files) => void files.set(key(meta), data), true);
  }

  async read(meta: SnapshotMeta): Promise<AsyncIterable<Uint8Array> | null> {
    const data = this.disk.read().get(key(meta));
    return data === undefined ? null : once(data);
  }

  async removeUpTo(index: number): Promise<void> {
    this.remove((name) => indexOf(name) <= index);
  }

  private remove(doomed: (name: string) => boolean): void {
    const names = [...this.disk.read().keys()].filter(doomed);
    if (names.length === 0) return;
    fenceWrite(this.gate, 'spool removal');
    this.disk.write((files) => names.forEach((name) => files.delete(name)), false);
  }
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}
