import { createHash } from 'node:crypto';
import { SYMBOL_PATTERN } from '../catalog/symbols.js';
import { assert } from '../errors.js';
import { BINARY_COMMAND_VERSION, decodeBinaryTrade, encodeBinaryTrade } from './command-binary.js';
import {
  IDEMPOTENCY_KEY_PATTERN,
  QUANTITY_MAX,
  QUANTITY_MIN,
  type TradeType,
  TradeType as TradeTypes,
} from './model.js';

/**
 * Replicated command encoding, versioned by the first byte:
 *   - version 2 (written since perf-cpu, session 3): a compact binary layout, command-binary.ts;
 *   - version 1 (read only, so Raft logs written before still replay): compact JSON (UTF-8),
 *       {"v":1,"op":"trade","name":"btcusdt","type":"BUY","quantity":5,"price":null,
 *        "executedAtMs":1700000000000,"idempotencyKey":null,"requestHash":null}
 *     whose first byte is always '{' (0x7b).
 *
 * The leader builds the command (it chooses price and executedAtMs) and every node decodes it
 * at apply. Decoding is strict: an entry that does not decode is corrupt (it passed the Raft
 * log's checks, so it was written by a buggy or foreign proposer) and is an assertion failure.
 * A node of an older version cannot apply version-2 entries (it asserts): upgrade every node.
 */

/** The JSON encoding's `v`; new entries are binary (BINARY_COMMAND_VERSION). */
export const COMMAND_VERSION = 1;
const JSON_FIRST_BYTE = 0x7b;
/** Encoded commands are small; anything bigger is not ours. */
export const COMMAND_BYTES_MAX = 1024;

export interface TradeCommand {
  readonly op: 'trade';
  readonly name: string;
  readonly type: TradeType;
  readonly quantity: number;
  readonly price: number | null;
  readonly executedAtMs: number;
  readonly idempotencyKey: string | null;
  /** sha256 (hex) of the canonical request; set iff idempotencyKey is. */
  readonly requestHash: string | null;
}

export type Command = TradeCommand;

const TRADE_FIELDS = ['v', 'op', 'name', 'type', 'quantity', 'price', 'executedAtMs', 'idempotencyKey', 'requestHash'];
const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Stateless without `stream`, so one instance serves every call (creating one costs microseconds). */
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/** The canonical request a key is bound to: normalized name, upper-case type, quantity. */
export function requestHashOf(request: { name: string; type: TradeType; quantity: number }): string {
  return createHash('sha256').update(`${request.name}\n${request.type}\n${request.quantity}`).digest('hex');
}

export function encodeCommand(command: Command): Uint8Array {
  validateTrade(command);
  const bytes = encodeBinaryTrade(command);
  assert(bytes.length <= COMMAND_BYTES_MAX, `encoded command is ${bytes.length} bytes, max ${COMMAND_BYTES_MAX}`);
  return bytes;
}

/** Decode a committed entry's data (either version). Throws AssertionFailure on anything malformed. */
export function decodeCommand(data: Uint8Array): Command {
  assert(data.length > 0 && data.length <= COMMAND_BYTES_MAX, `command size ${data.length} out of range`);
  const first = data[0];
  assert(first === BINARY_COMMAND_VERSION || first === JSON_FIRST_BYTE, `command version byte ${String(first)} unsupported`);
  const command = first === BINARY_COMMAND_VERSION ? decodeBinaryTrade(data) : decodeJsonCommand(data);
  validateTrade(command);
  return command;
}

/** Version 1 (JSON), as written before the binary layout; field values are validated by the caller. */
function decodeJsonCommand(data: Uint8Array): TradeCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8_STRICT.decode(data));
  } catch (err) {
    assert(false, `command is not UTF-8 JSON: ${(err as Error).message}`);
  }
  assert(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), 'command is not an object');
  const record = parsed as Record<string, unknown>;
  assert(record['v'] === COMMAND_VERSION, `command version ${String(record['v'])} unsupported`);
  assert(record['op'] === 'trade', `command op ${String(record['op'])} unknown`);
  const keys = Object.keys(record);
  assert(
    keys.length === TRADE_FIELDS.length && TRADE_FIELDS.every((field) => keys.includes(field)),
    `trade command fields [${keys.join(',')}] must be exactly [${TRADE_FIELDS.join(',')}]`,
  );
  return {
    op: 'trade',
    name: record['name'],
    type: record['type'],
    quantity: record['quantity'],
    price: record['price'],
    executedAtMs: record['executedAtMs'],
    idempotencyKey: record['idempotencyKey'],
    requestHash: record['requestHash'],
  } as TradeCommand;
}

function validateTrade(command: TradeCommand): void {
  assert(typeof command.name === 'string' && SYMBOL_PATTERN.test(command.name), `bad name ${String(command.name)}`);
  assert(command.type === TradeTypes.Buy || command.type === TradeTypes.Sell, `bad type ${String(command.type)}`);
  assert(
    Number.isInteger(command.quantity) && command.quantity >= QUANTITY_MIN && command.quantity <= QUANTITY_MAX,
    `bad quantity ${String(command.quantity)}`,
  );
  assert(
    command.price === null || (typeof command.price === 'number' && Number.isFinite(command.price) && command.price >= 0),
    `bad price ${String(command.price)}`,
  );
  assert(
    Number.isSafeInteger(command.executedAtMs) && command.executedAtMs >= 0,
    `bad executedAtMs ${String(command.executedAtMs)}`,
  );
  const key = command.idempotencyKey;
  const hash = command.requestHash;
  assert(key === null || (typeof key === 'string' && IDEMPOTENCY_KEY_PATTERN.test(key)), 'bad idempotencyKey');
  assert(hash === null || (typeof hash === 'string' && HASH_PATTERN.test(hash)), 'bad requestHash');
  assert((key === null) === (hash === null), 'idempotencyKey and requestHash must be both set or both null');
}

/**
 * The command a leader proposes for a client's trade: the leader chooses the price (its latest
 * aggregated price, or null) and the execution time (its clock; apply only ever uses it as data).
 */
export function tradeCommandFor(
  request: { name: string; type: TradeType; quantity: number },
  idempotencyKey: string | null,
  leaderChoice: { price: number | null; executedAtMs: number },
): TradeCommand {
  return {
    op: 'trade',
    name: request.name,
    type: request.type,
    quantity: request.quantity,
    price: leaderChoice.price,
    executedAtMs: leaderChoice.executedAtMs,
    idempotencyKey,
    requestHash: idempotencyKey === null ? null : requestHashOf(request),
  };
}
