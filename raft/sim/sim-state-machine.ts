import type { Entry, Snapshot } from '../core/types.js';

/** Signature of an applied entry: what two nodes must agree on at one index. */
export type EntrySignature = string;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function entrySignature(entry: Entry): EntrySignature {
  return `${entry.term}|${entry.kind}|${decoder.decode(entry.data)}`;
}

/**
 * The deterministic application of a simulated node: the list of applied entry signatures
 * (index i at position i - 1). Its snapshot is that list serialized.
 */
export class SimStateMachine {
  private applied: EntrySignature[] = [];

  appliedIndex(): number {
    return this.applied.length;
  }

  list(): readonly EntrySignature[] {
    return this.applied;
  }

  at(index: number): EntrySignature | undefined {
    return this.applied[index - 1];
  }

  /** Apply the next entry; returns false when it is not the next index (caller reports). */
  apply(entry: Entry): boolean {
    if (entry.index !== this.applied.length + 1) return false;
    this.applied.push(entrySignature(entry));
    return true;
  }

  serialize(): Uint8Array {
    return encoder.encode(JSON.stringify(this.applied));
  }

  /** Replace the state with a snapshot's; throws on a malformed or inconsistent snapshot. */
  restore(snapshot: Snapshot | null): void {
    if (snapshot === null) {
      this.applied = [];
      return;
    }
    const parsed: unknown = JSON.parse(decoder.decode(snapshot.data));
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
      throw new Error(`snapshot ${snapshot.meta.index} data is not a list of entry signatures`);
    }
    if (parsed.length !== snapshot.meta.index) {
      throw new Error(`snapshot at index ${snapshot.meta.index} holds ${parsed.length} applied entries`);
    }
    this.applied = parsed as string[];
  }
}
