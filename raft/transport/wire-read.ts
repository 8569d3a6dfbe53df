import { RejectReason, TransportRejection } from './rejection.js';

/**
 * Strict readers for objects produced by @grpc/proto-loader with
 * `{ longs: String, enums: String, defaults: true, oneofs: true }`. Each throws a
 * TransportRejection naming the field path; none throws anything else.
 */

const uintPattern = /^(0|[1-9][0-9]{0,19})$/;

export type WireObject = Readonly<Record<string, unknown>>;

function malformed(path: string, what: string): TransportRejection {
  return new TransportRejection(RejectReason.Malformed, `${path} ${what}`);
}

export function readObject(value: unknown, path: string): WireObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw malformed(path, 'must be a message');
  }
  return value as WireObject;
}

/** A uint64 carried as a decimal string; must be a safe JS integer. */
export function readUint(obj: WireObject, field: string, path: string): number {
  const value = obj[field];
  if (typeof value !== 'string' || !uintPattern.test(value)) {
    throw malformed(`${path}.${field}`, 'must be a uint64 decimal string');
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new TransportRejection(RejectReason.OutOfRange, `${path}.${field} = ${value} exceeds 2^53 - 1`);
  }
  return parsed;
}

export function readBool(obj: WireObject, field: string, path: string): boolean {
  const value = obj[field];
  if (typeof value !== 'boolean') throw malformed(`${path}.${field}`, 'must be a bool');
  return value;
}

export function readString(obj: WireObject, field: string, path: string, maxBytes: number): string {
  const value = obj[field];
  if (typeof value !== 'string') throw malformed(`${path}.${field}`, 'must be a string');
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw new TransportRejection(RejectReason.TooLarge, `${path}.${field} longer than ${maxBytes} bytes`);
  }
  return value;
}

/** Zero-copy view as a plain Uint8Array (proto-loader hands out Buffers). */
export function readBytes(obj: WireObject, field: string, path: string): Uint8Array {
  const value = obj[field];
  if (!(value instanceof Uint8Array)) throw malformed(`${path}.${field}`, 'must be bytes');
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

export function readArray(obj: WireObject, field: string, path: string, maxLength: number): readonly unknown[] {
  const value = obj[field];
  if (!Array.isArray(value)) throw malformed(`${path}.${field}`, 'must be a repeated field');
  if (value.length > maxLength) {
    throw new TransportRejection(RejectReason.TooLarge, `${path}.${field} has ${value.length} items, max ${maxLength}`);
  }
  return value;
}

export function readMessage(obj: WireObject, field: string, path: string): WireObject {
  return readObject(obj[field], `${path}.${field}`);
}

/** Name of the member set in a oneof (proto-loader's virtual field with `oneofs: true`). */
export function readOneof(obj: WireObject, field: string, path: string, members: readonly string[]): string {
  const value = obj[field];
  if (typeof value !== 'string' || !members.includes(value)) {
    throw malformed(`${path}.${field}`, `must be one of ${members.join(', ')}`);
  }
  return value;
}
