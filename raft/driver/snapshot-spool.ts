import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotMeta } from '../core/types.js';

/** Spooled snapshots kept at once (received but not yet restored, or refused by the core). */
export const SNAPSHOT_SPOOL_FILES_MAX = 4;
/** Bytes per read when a spooled snapshot is handed to the state machine. */
export const SNAPSHOT_SPOOL_READ_BYTES = 256 * 1024;

const NAME = /^snapshot-(\d+)-(\d+)\.bin$/;
const TEMP_SUFFIX = '.partial';

/**
 * Where the driver keeps received InstallSnapshot data until the state machine holds it
 * durably. The file spool below is the production one; `MemorySnapshotSpool` serves in-memory
 * drivers (simulator, tests). `write` must be durable when it resolves.
 */
export interface SnapshotSpoolStore {
  /** Called once at start: drop leftovers and snapshots at or below `appliedIndex`. */
  open(appliedIndex: number): Promise<void>;
  write(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>, staleBelow: number, keep: number): Promise<void>;
  read(meta: SnapshotMeta): Promise<AsyncIterable<Uint8Array> | null>;
  removeUpTo(index: number): Promise<void>;
  /** Where it lives, for error messages. */
  readonly dir: string;
}

/**
 * Incoming InstallSnapshot data, written to disk as it arrives (never whole in memory), synced
 * and renamed into place before the core sees the message, so a snapshot the core accepted
 * (and persisted the meta of) can be restored again after a crash until the state machine
 * holds it durably. File per snapshot: `snapshot-<index>-<term>.bin` in `dir`.
 */
export class SnapshotSpool implements SnapshotSpoolStore {
  private tempSeq = 0;

  constructor(readonly dir: string) {}

  /** Create the directory and drop partial files and snapshots the state machine already holds. */
  async open(appliedIndex: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.endsWith(TEMP_SUFFIX)) await rm(join(this.dir, name), { force: true });
    }
    await this.removeUpTo(appliedIndex);
  }

  /**
   * Write `chunks` to the spool file of `meta` (synced, then renamed). Files of snapshots below
   * `staleBelow` (the driver passes applied + 1: the state machine holds them) are removed first,
   * except the one at `keep` (the snapshot the log holds); refuses when the spool is full.
   */
  async write(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>, staleBelow: number, keep: number): Promise<void> {
    for (const held of await this.list()) {
      if (held.index < staleBelow && held.index !== keep) await rm(join(this.dir, held.name), { force: true });
    }
    const held = await this.list();
    if (held.length >= SNAPSHOT_SPOOL_FILES_MAX) {
      throw new Error(`snapshot spool ${this.dir} already holds ${held.length} snapshots (max ${SNAPSHOT_SPOOL_FILES_MAX})`);
    }
    this.tempSeq += 1;
    const temp = join(this.dir, `incoming-${process.pid}-${this.tempSeq}${TEMP_SUFFIX}`);
    const file = await open(temp, 'w');
    try {
      for await (const chunk of chunks) await file.write(chunk);
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(temp, { force: true });
      throw error;
    }
    await file.close();
    await rename(temp, this.path(meta));
    await syncDir(this.dir);
  }

  /** The spooled data of `meta` in chunks, or null if there is none. */
  async read(meta: SnapshotMeta): Promise<AsyncIterable<Uint8Array> | null> {
    const held = await this.list();
    if (!held.some((h) => h.index === meta.index && h.term === meta.term)) return null;
    return createReadStream(this.path(meta), { highWaterMark: SNAPSHOT_SPOOL_READ_BYTES });
  }

  /** Remove spooled snapshots at or below `index`. */
  async removeUpTo(index: number): Promise<void> {
    for (const held of await this.list()) {
      if (held.index <= index) await rm(join(this.dir, held.name), { force: true });
    }
  }

  private path(meta: SnapshotMeta): string {
    return join(this.dir, `snapshot-${meta.index}-${meta.term}.bin`);
  }

  private async list(): Promise<{ name: string; index: number; term: number }[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const held: { name: string; index: number; term: number }[] = [];
    for (const name of names) {
      const match = NAME.exec(name);
      if (match !== null) held.push({ name, index: Number(match[1]), term: Number(match[2]) });
    }
    return held;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** In-memory spool (simulator, tests): same bounds and rules as the file spool. */
export class MemorySnapshotSpool implements SnapshotSpoolStore {
  readonly dir = '(memory)';
  private readonly held = new Map<string, { index: number; data: Uint8Array }>();

  async open(appliedIndex: number): Promise<void> {
    await this.removeUpTo(appliedIndex);
  }

  async write(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>, staleBelow: number, keep: number): Promise<void> {
    for (const [name, h] of this.held) if (h.index < staleBelow && h.index !== keep) this.held.delete(name);
    if (this.held.size >= SNAPSHOT_SPOOL_FILES_MAX) throw new Error(`snapshot spool already holds ${this.held.size} snapshots (max ${SNAPSHOT_SPOOL_FILES_MAX})`);
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    this.held.set(`${meta.index}-${meta.term}`, { index: meta.index, data: new Uint8Array(Buffer.concat(parts)) });
  }

  async read(meta: SnapshotMeta): Promise<AsyncIterable<Uint8Array> | null> {
    const h = this.held.get(`${meta.index}-${meta.term}`);
    if (h === undefined) return null;
    return (async function* () {
      for (let offset = 0; offset < h.data.byteLength; offset += SNAPSHOT_SPOOL_READ_BYTES) yield h.data.subarray(offset, offset + SNAPSHOT_SPOOL_READ_BYTES);
    })();
  }

  async removeUpTo(index: number): Promise<void> {
    for (const [name, h] of this.held) if (h.index <= index) this.held.delete(name);
  }
}
