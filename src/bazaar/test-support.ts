import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryKind, type Entry } from '../../raft/index.js';
import { encodeCommand, requestHashOf, type TradeCommand } from './commands.js';
import type { TradeType } from './model.js';
import { BazaarStateMachine, DEFAULT_STATE_MACHINE_LIMITS, type BazaarStateMachineOptions } from './state-machine.js';

/** Test helpers: temp-dir state machines and log entries (no Raft). */

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `bazaar-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function openMachine(
  dir: string,
  symbols: readonly string[],
  overrides: Partial<BazaarStateMachineOptions> = {},
): Promise<BazaarStateMachine> {
  return BazaarStateMachine.open({ ...DEFAULT_STATE_MACHINE_LIMITS, dir, symbols, ...overrides });
}

export function trade(
  name: string,
  type: TradeType,
  quantity: number,
  extra: { key?: string; atMs?: number; price?: number | null } = {},
): TradeCommand {
  const key = extra.key ?? null;
  return {
    op: 'trade',
    name,
    type,
    quantity,
    price: extra.price ?? null,
    executedAtMs: extra.atMs ?? 1_000,
    idempotencyKey: key,
    requestHash: key === null ? null : requestHashOf({ name, type, quantity }),
  };
}

export function normalEntry(index: number, command: TradeCommand, term = 1): Entry {
  return { index, term, kind: EntryKind.Normal, data: encodeCommand(command) };
}

export function emptyEntry(index: number, term = 1): Entry {
  return { index, term, kind: EntryKind.Empty, data: new Uint8Array() };
}

/** Checkpoint, then read the whole snapshot stream (small chunks) into one buffer: tests only. */
export async function takeSnapshot(machine: BazaarStateMachine, chunkBytesMax = 512): Promise<{ index: number; data: Uint8Array }> {
  const { index } = await machine.checkpoint();
  const chunks = machine.snapshotChunks(index, chunkBytesMax);
  if (chunks === null) throw new Error(`no snapshot view at ${index} right after a checkpoint`);
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) {
    if (chunk.byteLength > chunkBytesMax) throw new Error(`chunk of ${chunk.byteLength} bytes > ${chunkBytesMax}`);
    parts.push(chunk);
  }
  return { index, data: new Uint8Array(Buffer.concat(parts)) };
}

/** `data` cut into chunks of `chunkBytes` (records then straddle chunk boundaries). */
export async function* chunksOf(data: Uint8Array, chunkBytes = 333): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += chunkBytes) yield data.subarray(offset, offset + chunkBytes);
}

export function restoreSnapshot(machine: BazaarStateMachine, snap: { index: number; data: Uint8Array }): Promise<void> {
  return machine.restore({ index: snap.index, term: 1, voters: ['n1'] }, chunksOf(snap.data));
}
