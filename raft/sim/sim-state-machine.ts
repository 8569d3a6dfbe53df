import type { StateMachine } from '../driver/state-machine.js';
import type { Entry, Snapshot } from '../core/types.js';
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
  | 'compact:after';

/** Where the harness may crash the node or stall its I/O. Resolves when the I/O may go on. */
export type IoGate = (point: IoPoint) => Promise<void> | undefined;

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

  /** Two unsynced batches (first half, rest) with a crash point between them: a crash mid-apply. */
  async apply(entries: readonly Entry[]): Promise<EntrySignature[]> {
    await this.gate('apply:before');
    const first = entries[0];
    if (first !== undefined && first.index !== this.disk.read().length + 1) {
      throw new Error(`asked to apply ${first.index}, next is ${this.disk.read().length + 1}`);
    }
    const signatures = entries.map(entrySignature);
    const half = Math.ceil(signatures.length / 2);
    this.write(signatures.slice(0, half), first?.index ?? 0);
    await this.gate('apply:mid');
    this.write(signatures.slice(half), (first?.index ?? 0) + half);
    await this.gate('apply:after');
    return signatures;
  }

  async snapshot(): Promise<{ index: number; data: Uint8Array }> {
    await this.gate('snapshot:take');
    const list = this.disk.read();
    return { index: list.length, data: encoder.encode(JSON.stringify(list)) };
  }

  async restore(snapshot: Snapshot): Promise<void> {
    await this.gate('snapshot:restore');
    const list = parseSnapshot(snapshot);
    this.disk.write((state) => {
      state.length = 0;
      for (const signature of list) state.push(signature);
    }, false);
    this.observer.restored(list);
  }

  private write(signatures: readonly EntrySignature[], firstIndex: number): void {
    if (signatures.length === 0) return;
    this.disk.write((state) => {
      for (const signature of signatures) state.push(signature);
    }, false);
    signatures.forEach((signature, i) => this.observer.applied(firstIndex + i, signature));
  }
}

export function parseSnapshot(snapshot: Snapshot): EntrySignature[] {
  const parsed: unknown = JSON.parse(decoder.decode(snapshot.data));
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`snapshot ${snapshot.meta.index} data is not a list of entry signatures`);
  }
  if (parsed.length !== snapshot.meta.index) throw new Error(`snapshot at index ${snapshot.meta.index} holds ${parsed.length} applied entries`);
  return parsed as string[];
}
