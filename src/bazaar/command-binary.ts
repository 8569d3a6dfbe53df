import { Buffer } from 'node:buffer';
import { assert } from '../errors.js';
import { TradeType } from './model.js';
import type { TradeCommand } from './commands.js';

/**
 * Binary layout of a trade command (version 2), little-endian. The leader encodes it once; every
 * node decodes every entry at apply, so this is on the hot path of all three nodes (the JSON of
 * version 1 cost ~8 us to decode and ~7 us to encode, mostly TextDecoder/TextEncoder and
 * JSON.parse; this is well under 1 us each way).
 *
 *   0      version (2)             1 byte
 *   1      op (1: trade)           1 byte
 *   2      flags                   1 byte: bit 0 SELL (else BUY), bit 1 price present,
 *                                          bit 2 idempotency key (and request hash) present
 *   3      quantity                uint32
 *   7      executedAtMs            float64 (a safe integer)
 *   15     price                   float64, only with flag bit 1
 *   ...    name                    uint8 length, then ASCII bytes
 *   ...    idempotency key         uint8 length, then ASCII bytes, only with flag bit 2
 *   ...    request hash            32 bytes (sha256), only with flag bit 2
 * Nothing may follow. Field values are validated by the caller (commands.ts validateTrade);
 * this module only checks the framing.
 */

export const BINARY_COMMAND_VERSION = 2;
const OP_TRADE = 1;
const FLAG_SELL = 1;
const FLAG_PRICE = 2;
const FLAG_KEY = 4;
const FLAGS_ALL = FLAG_SELL | FLAG_PRICE | FLAG_KEY;
const HEADER_BYTES = 15;
const HASH_BYTES = 32;
/** Longest ASCII field (idempotency keys are at most 128 characters, symbols 32). */
const ASCII_FIELD_MAX = 255;

export function encodeBinaryTrade(command: TradeCommand): Uint8Array {
  const key = command.idempotencyKey;
  const hash = command.requestHash;
  const size = HEADER_BYTES + (command.price === null ? 0 : 8) + 1 + command.name.length + (key === null ? 0 : 1 + key.length + HASH_BYTES);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const flags = (command.type === TradeType.Sell ? FLAG_SELL : 0) | (command.price === null ? 0 : FLAG_PRICE) | (key === null ? 0 : FLAG_KEY);
  bytes[0] = BINARY_COMMAND_VERSION;
  bytes[1] = OP_TRADE;
  bytes[2] = flags;
  view.setUint32(3, command.quantity, true);
  view.setFloat64(7, command.executedAtMs, true);
  let at = HEADER_BYTES;
  if (command.price !== null) {
    view.setFloat64(at, command.price, true);
    at += 8;
  }
  at = writeAscii(bytes, at, command.name);
  if (key !== null && hash !== null) {
    at = writeAscii(bytes, at, key);
    assert(hash.length === 2 * HASH_BYTES, 'request hash is 32 bytes of hex');
    bytes.set(Buffer.from(hash, 'hex'), at);
    at += HASH_BYTES;
  }
  assert(at === size, `binary command size ${at}, computed ${size}`);
  return bytes;
}

/** Decode the framing of a version-2 command; the caller validates the field values. */
export function decodeBinaryTrade(data: Uint8Array): TradeCommand {
  assert(data.length >= HEADER_BYTES + 1, `binary command of ${data.length} bytes is truncated`);
  assert(data[0] === BINARY_COMMAND_VERSION, `binary command version ${String(data[0])} unsupported`);
  assert(data[1] === OP_TRADE, `binary command op ${String(data[1])} unknown`);
  const flags = data[2] ?? 0;
  assert((flags & ~FLAGS_ALL) === 0, `binary command flags ${flags} unknown`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const quantity = view.getUint32(3, true);
  const executedAtMs = view.getFloat64(7, true);
  let at = HEADER_BYTES;
  let price: number | null = null;
  if ((flags & FLAG_PRICE) !== 0) {
    assert(data.length >= at + 8, 'binary command truncated in price');
    price = view.getFloat64(at, true);
    at += 8;
  }
  const name = readAscii(data, at);
  at += 1 + name.length;
  let idempotencyKey: string | null = null;
  let requestHash: string | null = null;
  if ((flags & FLAG_KEY) !== 0) {
    idempotencyKey = readAscii(data, at);
    at += 1 + idempotencyKey.length;
    assert(data.length >= at + HASH_BYTES, 'binary command truncated in request hash');
    requestHash = Buffer.from(data.buffer, data.byteOffset + at, HASH_BYTES).toString('hex');
    at += HASH_BYTES;
  }
  assert(at === data.length, `binary command has ${data.length - at} trailing bytes`);
  const type = (flags & FLAG_SELL) !== 0 ? TradeType.Sell : TradeType.Buy;
  return { op: 'trade', name, type, quantity, price, executedAtMs, idempotencyKey, requestHash };
}

function writeAscii(bytes: Uint8Array, at: number, text: string): number {
  assert(text.length <= ASCII_FIELD_MAX, `field of ${text.length} characters is too long`);
  bytes[at] = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    assert(code >= 0x20 && code <= 0x7e, 'command text fields are printable ASCII');
    bytes[at + 1 + i] = code;
  }
  return at + 1 + text.length;
}

function readAscii(data: Uint8Array, at: number): string {
  const length = data[at];
  assert(length !== undefined && data.length >= at + 1 + length, 'binary command truncated in a text field');
  let text = '';
  for (let i = 0; i < length; i++) {
    const code = data[at + 1 + i] ?? 0;
    assert(code >= 0x20 && code <= 0x7e, 'binary command text field is not printable ASCII');
    text += String.fromCharCode(code);
  }
  return text;
}
