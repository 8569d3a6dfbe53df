import type { Entry, HardState, SnapshotMeta } from '../core/types.js';
import { EntryKind } from '../core/types.js';
import { isConfState } from '../core/conf-change.js';

/**
 * Binary layout of the Raft log in LevelDB. Keys sort bytewise, so entry keys are a one-byte
 * prefix followed by the big-endian index: a range scan walks the log in index order.
 *   [0x01]                -> hard state   (version, term u64, commit u64, vote length u16, vote utf8)
 *   [0x02]                -> snapshot meta (JSON: rare, small)
 *   [0x03]                -> snapshot data (raw bytes)
 *   [0x10][index u64 BE]  -> entry        (kind u8: 0 normal, 1 empty, 2 conf change; term u64, data)
 */
export const HARD_STATE_KEY = Uint8Array.of(0x01);
export const SNAPSHOT_META_KEY = Uint8Array.of(0x02);
export const SNAPSHOT_DATA_KEY = Uint8Array.of(0x03);
const ENTRY_PREFIX = 0x10;
const ENTRY_KEY_BYTES = 9;
const ENTRY_HEADER_BYTES = 9;
const HARD_STATE_VERSION = 1;
const HARD_STATE_HEADER_BYTES = 19;
const KIND_NORMAL = 0;
const KIND_EMPTY = 1;
const KIND_CONF_CHANGE = 2;
const kindToByte: Readonly<Record<EntryKind, number>> = {
  [EntryKind.Normal]: KIND_NORMAL,
  [EntryKind.Empty]: KIND_EMPTY,
  [EntryKind.ConfChange]: KIND_CONF_CHANGE,
};
const kindFromByte: readonly EntryKind[] = [EntryKind.Normal, EntryKind.Empty, EntryKind.ConfChange];
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

function writeU64(view: DataView, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`u64 field must be a safe integer >= 0, got ${value}`);
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function entryKey(index: number): Uint8Array {
  const key = new Uint8Array(ENTRY_KEY_BYTES);
  key[0] = ENTRY_PREFIX;
  writeU64(viewOf(key), 1, index);
  return key;
}

/** Range bounds covering every entry key. */
export const ENTRY_KEY_MIN = entryKey(0);
export const ENTRY_KEY_MAX = entryKey(Number.MAX_SAFE_INTEGER);

export function decodeEntryKey(key: Uint8Array): number {
  if (key.byteLength !== ENTRY_KEY_BYTES || key[0] !== ENTRY_PREFIX) {
    throw new CodecError(`not an entry key (${key.byteLength} bytes, prefix ${key[0]})`);
  }
  return readU64(viewOf(key), 1);
}

export function encodeEntryValue(entry: Entry): Uint8Array {
  const value = new Uint8Array(ENTRY_HEADER_BYTES + entry.data.byteLength);
  const view = viewOf(value);
  view.setUint8(0, kindToByte[entry.kind]);
  writeU64(view, 1, entry.term);
  value.set(entry.data, ENTRY_HEADER_BYTES);
  return value;
}

export function decodeEntryValue(index: number, value: Uint8Array): Entry {
  if (value.byteLength < ENTRY_HEADER_BYTES) throw new CodecError(`entry ${index} is ${value.byteLength} bytes, shorter than its header`);
  const view = viewOf(value);
  const kindByte = view.getUint8(0);
  const kind = kindFromByte[kindByte];
  if (kind === undefined) throw new CodecError(`entry ${index} has unknown kind ${kindByte}`);
  return {
    index,
    term: readU64(view, 1),
    kind,
    data: value.subarray(ENTRY_HEADER_BYTES),
  };
}

export function encodeHardState(state: HardState): Uint8Array {
  const vote = state.vote === null ? new Uint8Array(0) : textEncoder.encode(state.vote);
  if (vote.byteLength >= 0xffff) throw new Error(`vote id is ${vote.byteLength} bytes, more than 65534`);
  const value = new Uint8Array(HARD_STATE_HEADER_BYTES + vote.byteLength);
  const view = viewOf(value);
  view.setUint8(0, HARD_STATE_VERSION);
  writeU64(view, 1, state.term);
  writeU64(view, 9, state.commit);
  view.setUint16(17, state.vote === null ? 0xffff : vote.byteLength);
  value.set(vote, HARD_STATE_HEADER_BYTES);
  return value;
}

export function decodeHardState(value: Uint8Array): HardState {
  if (value.byteLength < HARD_STATE_HEADER_BYTES) throw new CodecError(`hard state is ${value.byteLength} bytes, too short`);
  const view = viewOf(value);
  if (view.getUint8(0) !== HARD_STATE_VERSION) throw new CodecError(`hard state version ${view.getUint8(0)} is unknown`);
  const voteBytes = view.getUint16(17);
  const vote = voteBytes === 0xffff ? null : textDecoder.decode(value.subarray(HARD_STATE_HEADER_BYTES));
  if (vote !== null && value.byteLength !== HARD_STATE_HEADER_BYTES + voteBytes) throw new CodecError('hard state vote length mismatch');
  return { term: readU64(view, 1), commit: readU64(view, 9), vote };
}

export function encodeSnapshotMeta(meta: SnapshotMeta): Uint8Array {
  return textEncoder.encode(
    JSON.stringify({ index: meta.index, term: meta.term, voters: meta.voters, learners: meta.learners ?? [], addresses: meta.addresses ?? {} }),
  );
}

export function decodeSnapshotMeta(value: Uint8Array): SnapshotMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textDecoder.decode(value));
  } catch (error) {
    throw new CodecError(`snapshot meta is not JSON: ${(error as Error).message}`);
  }
  const meta = parsed as Partial<SnapshotMeta>;
  if (
    !Number.isSafeInteger(meta.index) ||
    !Number.isSafeInteger(meta.term) ||
    !Array.isArray(meta.voters) ||
    !meta.voters.every((v) => typeof v === 'string')
  ) {
    throw new CodecError('snapshot meta lacks index, term or voters');
  }
  // learners and addresses (membership changes) are absent from snapshots written before them.
  const conf = { voters: meta.voters, learners: meta.learners ?? [], addresses: meta.addresses ?? {} };
  if (!isConfState(conf)) throw new CodecError('snapshot meta has malformed learners or addresses');
  return { index: meta.index as number, term: meta.term as number, ...conf };
}
