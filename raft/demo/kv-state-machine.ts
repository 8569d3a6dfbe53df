import type { Entry, SnapshotMeta } from '../core/types.js';
import { EntryKind } from '../core/types.js';
import type { Checkpoint, StateMachine } from '../driver/state-machine.js';

/**
 * A tiny replicated key-value map for the demo, the driver tests and the benchmark.
 * Commands: a JSON `{ "k": key, "v": value }` (put; the result is the previous value), or an
 * opaque blob whose first byte is 0x00 (counted only; the benchmark's payloads).
 * State lives in memory: `appliedIndex()` reports what this instance holds, so a restarted
 * process rebuilds it from the Raft snapshot and log.
 */
export interface KvResult {
  readonly previous: string | null;
}

export const BLOB_MARKER = 0x00;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function encodePut(key: string, value: string): Uint8Array {
  return encoder.encode(JSON.stringify({ k: key, v: value }));
}

export function encodeBlob(sizeBytes: number): Uint8Array {
  if (!Number.isInteger(sizeBytes) || sizeBytes < 1) throw new Error(`blob sizeBytes must be an integer >= 1, got ${sizeBytes}`);
  const blob = new Uint8Array(sizeBytes);
  blob[0] = BLOB_MARKER;
  return blob;
}

interface KvSnapshotBody {
  readonly index: number;
  readonly blobs: number;
  readonly entries: [string, string][];
}

export class KvStateMachine implements StateMachine<KvResult> {
  private readonly map = new Map<string, string>();
  private applied = 0;
  private blobCount = 0;
  private held: { index: number; data: Uint8Array } | null = null;

  async appliedIndex(): Promise<number> {
    return this.applied;
  }

  async apply(entries: readonly Entry[]): Promise<KvResult[]> {
    return entries.map((entry) => this.applyOne(entry));
  }

  /** In-memory machine: its checkpoint is a serialized copy (the demo's state is small). */
  async checkpoint(): Promise<Checkpoint> {
    const body: KvSnapshotBody = { index: this.applied, blobs: this.blobCount, entries: [...this.map] };
    this.held = { index: this.applied, data: encoder.encode(JSON.stringify(body)) };
    return this.held;
  }

  snapshotChunks(index: number, chunkBytesMax: number): AsyncIterable<Uint8Array> | null {
    const held = this.held;
    if (held === null || held.index !== index) return null;
    return (async function* () {
      for (let offset = 0; offset < held.data.byteLength; offset += chunkBytesMax) {
        yield held.data.subarray(offset, Math.min(offset + chunkBytesMax, held.data.byteLength));
      }
    })();
  }

  async restore(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const data = Buffer.concat(parts);
    const body = JSON.parse(decoder.decode(data)) as KvSnapshotBody;
    if (body.index !== meta.index) {
      throw new Error(`kv snapshot body is at ${body.index} but its meta says ${meta.index}`);
    }
    this.map.clear();
    for (const [key, value] of body.entries) this.map.set(key, value);
    this.blobCount = body.blobs;
    this.applied = body.index;
    this.held = { index: body.index, data };
  }

  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  stats(): { applied: number; keys: number; blobs: number } {
    return { applied: this.applied, keys: this.map.size, blobs: this.blobCount };
  }

  private applyOne(entry: Entry): KvResult {
    if (entry.index !== this.applied + 1) throw new Error(`kv apply of ${entry.index} after ${this.applied}`);
    this.applied = entry.index;
    if (entry.kind !== EntryKind.Normal) return { previous: null };
    if (entry.data[0] === BLOB_MARKER) {
      this.blobCount += 1;
      return { previous: null };
    }
    const command = parsePut(entry.data);
    if (command === null) return { previous: null };
    const previous = this.map.get(command.k) ?? null;
    this.map.set(command.k, command.v);
    return { previous };
  }
}

/** Malformed commands are ignored deterministically (every node ignores them alike). */
function parsePut(data: Uint8Array): { k: string; v: string } | null {
  try {
    const parsed = JSON.parse(decoder.decode(data)) as { k?: unknown; v?: unknown };
    return typeof parsed.k === 'string' && typeof parsed.v === 'string' ? { k: parsed.k, v: parsed.v } : null;
  } catch {
    return null;
  }
}
