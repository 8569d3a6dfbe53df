import type { Checkpoint, StateMachine } from '../driver/state-machine.js';
import type { Entry, SnapshotMeta } from '../core/types.js';
import { MemoryDisk } from '../storage/memory-disk.js';

/** Signature of an applied entry: what two nodes must agree on at one index. */
export type EntrySignature = string;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function entrySignature(entry: Entry): EntrySignature {
  return `${entry.term}|${entry.kind}|${decoder.decode(entry.data)}`;
}

/** The state machine's own database: the list of applied signatures (index i at i - 1). */
export type MachineDisk = MemoryDisk<EntrySignature[]>;

export function newMachineDisk(unsyncedWritesMax?: number): MachineDisk {
  return new MemoryDisk<EntrySignature[]>([], (list) => list.slice(), unsyncedWritesMax);
}

/** The driver's await points where the harness may crash the process or stall its I/O. */
export type IoPoint =
  | 'persist:before'
  | 'persist:after'
  | 'apply:before'
  | 'apply:mid'
  | 'apply:after'
  | 'snapshot:take'
  | 'snapshot:restore'
  | 'compact:before'
  | 'compact:after'
  | 'spool:write';

/**
 * Where the harness may crash the node or stall its I/O. Resolves when the I/O may go on.
 * `alive()` is false once the process crashed: a continuation already queued before the crash
 * (past a gate that let it through) must not write to the disks the next process gets, since
 * a real crash stops everything at once. Every disk write checks it (`fenceWrite`).
 */
export type IoGate = ((point: IoPoint) => Promise<void> | undefined) & { readonly alive: () => boolean };

/** Thrown by a write of a crashed process (the driver's fatal path ignores dead processes). */
export class ProcessGone extends Error {}

/** Refuses a disk write of a process that crashed meanwhile. */
export function fenceWrite(gate: IoGate, what: string): void {
  if (!gate.alive()) throw new ProcessGone(`${what} after the process crashed`);
}

export interface MachineObserver {
  applied(index: number, signature: EntrySignature): void;
  restored(list: readonly EntrySignature[]): void;
}

/**
 * The simulated application, as Bazaar's: it keeps its state in its own database and writes
 * every applied batch there WITHOUT sync (the synced Raft log is the source of truth). A power
 * loss may therefore leave it behind the log (entries are re-applied) but, with a correct
 * driver, never ahead of it.
 */
export class SimStateMachine implements StateMachine<EntrySignature> {
  /** The latest checkpoint's view (in memory: a crash loses it and the driver checkpoints again). */
  private view: { index: number; data: Uint8Array } | null = null;

  constructor(
    private readonly disk: MachineDisk,
    private readonly gate: IoGate,
    private readonly observer: MachineObserver,
  ) {}

  list(): readonly EntrySignature[] {
    return this.disk.read();
  }

  async appliedIndex(): Promise<number> {
    return this.disk.read().length;
  }

  /**
   * Two unsynced batches (first half, rest) with a crash point between them: a crash mid-apply.
   * The results go to `onResults` before either write, as Bazaar's machine does, so the
   * crash points after it test that an answered write survives a crash before its apply's write.
   */
  async apply(entries: readonly Entry[], onResults?: (results: readonly EntrySignature[]) => void): Promise<EntrySignature[]> {
    await this.gate('apply:before');
    const first = entries[0];
    if (first !== undefined && first.index !== this.disk.read().length + 1) {
      throw new Error(`asked to apply ${first.index}, next is ${this.disk.read().length + 1}`);
    }
    const signatures = entries.map(entrySignature);
    onResults?.(signatures);
    const half = Math.ceil(signatures.length / 2);
    this.write(signatures.slice(0, half), first?.index ?? 0);
    await this.gate('apply:mid');
    this.write(signatures.slice(half), (first?.index ?? 0) + half);
    await this.gate('apply:after');
    return signatures;
  }

  /** Compaction point: sync what was applied and keep a view of it for InstallSnapshot (Bazaar's model). */
  async checkpoint(): Promise<Checkpoint> {
    await this.gate('snapshot:take');
    fenceWrite(this.gate, 'checkpoint');
    this.disk.write(() => undefined, true);
    const list = this.disk.read().slice();
    this.view = { index: list.length, data: encoder.encode(JSON.stringify(list)) };
    return { index: list.length, data: null };
  }

  snapshotChunks(index: number, chunkBytesMax: number): AsyncIterable<Uint8Array> | null {
    const view = this.view;
    if (view === null || view.index !== index) return null;
    return chunked(view.data, chunkBytesMax);
  }

  /** Replace the state with the streamed snapshot; durable when it resolves (the driver then drops its spooled copy). */
  async restore(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    await this.gate('snapshot:restore');
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const data = Buffer.concat(parts);
    const list = parseSnapshot(meta, data);
    fenceWrite(this.gate, 'restore');
    this.disk.write((state) => {
      state.length = 0;
      for (const signature of list) state.push(signature);
    }, true);
    this.view = { index: meta.index, data };
    this.observer.restored(list);
  }

  private write(signatures: readonly EntrySignature[], firstIndex: number): void {
    if (signatures.length === 0) return;
    fenceWrite(this.gate, 'state machine write');
    this.disk.write((state) => {
      for (const signature of signatures) state.push(signature);
    }, false);
    signatures.forEach((signature, i) => this.observer.applied(firstIndex + i, signature));
  }
}

export function parseSnapshot(meta: SnapshotMeta, data: Uint8Array): EntrySignature[] {
  const parsed: unknown = JSON.parse(decoder.decode(data));
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`snapshot ${meta.index} data is not a list of entry signatures`);
  }
  if (parsed.length !== meta.index) throw new Error(`snapshot at index ${meta.index} holds ${parsed.length} applied entries`);
  return parsed as string[];
}

async function* chunked(data: Uint8Array, chunkBytesMax: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += chunkBytesMax) {
    yield data.subarray(offset, Math.min(offset + chunkBytesMax, data.byteLength));
  }
}
