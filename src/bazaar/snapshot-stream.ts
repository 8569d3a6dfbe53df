import type { AbstractSnapshot } from 'abstract-level';
import type { Level } from 'level';
import { assert } from '../errors.js';
import { headerLine, type SnapshotHeader } from './snapshot-codec.js';

/** LevelDB entries read per iterator step while streaming a snapshot. */
export const SNAPSHOT_READ_BATCH_ENTRIES = 1000;

/** The record sections of the format, in stream order: LevelDB key prefix and line tag. */
const SECTIONS = [
  { prefix: 's', tag: 's' },
  { prefix: 'o', tag: 'o' },
  { prefix: 'k', tag: 'k' },
] as const;

/** Collects lines into chunks of at most `chunkBytesMax` bytes. */
class LineChunker {
  private lines: string[] = [];
  private bytes = 0;

  constructor(private readonly chunkBytesMax: number) {}

  /** Adds a line; returns a full chunk to emit first when the line does not fit. */
  push(line: string): Uint8Array | null {
    const lineBytes = Buffer.byteLength(line) + 1;
    assert(lineBytes <= this.chunkBytesMax, `snapshot line of ${lineBytes} bytes exceeds the chunk size ${this.chunkBytesMax}`);
    const full = this.bytes + lineBytes > this.chunkBytesMax ? this.flush() : null;
    this.lines.push(line);
    this.bytes += lineBytes;
    return full;
  }

  flush(): Uint8Array | null {
    if (this.lines.length === 0) return null;
    const chunk = Buffer.from(`${this.lines.join('\n')}\n`);
    this.lines = [];
    this.bytes = 0;
    return chunk;
  }
}

/**
 * The bazaar snapshot (snapshot-codec.ts format) read from a LevelDB snapshot, in chunks of at
 * most `chunkBytesMax` bytes. Values are stored as JSON tuples, so a record line is its value
 * with the tag prepended: nothing is decoded. Memory: one read batch and one chunk.
 */
export async function* streamSnapshot(
  db: Level<string, string>,
  snapshot: AbstractSnapshot,
  header: SnapshotHeader,
  chunkBytesMax: number,
): AsyncGenerator<Uint8Array> {
  const chunker = new LineChunker(chunkBytesMax);
  const counts: number[] = [];
  chunker.push(headerLine(header));
  for (const { prefix, tag } of SECTIONS) {
    let count = 0;
    const iterator = db.iterator({ gte: `${prefix}:`, lt: `${prefix};`, snapshot });
    try {
      for (;;) {
        const batch = await iterator.nextv(SNAPSHOT_READ_BATCH_ENTRIES);
        if (batch.length === 0) break;
        for (const [, value] of batch) {
          assert(value.startsWith('[') && value.length > 2, `stored ${prefix}: value is not a JSON tuple`);
          const full = chunker.push(`["${tag}",${value.slice(1)}`);
          count += 1;
          if (full !== null) yield full;
        }
      }
    } finally {
      await iterator.close();
    }
    counts.push(count);
  }
  const full = chunker.push(JSON.stringify(['end', ...counts]));
  if (full !== null) yield full;
  const last = chunker.flush();
  if (last !== null) yield last;
}
