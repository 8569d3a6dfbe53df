import { describe, expect, it } from 'vitest';
import { AssertionFailure } from '../errors.js';
import { decodeCommand, encodeCommand, requestHashOf } from './commands.js';
import { trade } from './test-support.js';

const encoder = new TextEncoder();

describe('commands', () => {
  it('round-trips a trade with and without a key', () => {
    for (const command of [trade('btcusdt', 'BUY', 7), trade('ethusdt', 'SELL', 1_000_000, { key: 'k-1', price: 12.5 })]) {
      expect(decodeCommand(encodeCommand(command))).toEqual(command);
    }
  });

  it('binds the request hash to name, type and quantity', () => {
    const base = requestHashOf({ name: 'a', type: 'BUY', quantity: 1 });
    expect(requestHashOf({ name: 'a', type: 'SELL', quantity: 1 })).not.toBe(base);
    expect(requestHashOf({ name: 'a', type: 'BUY', quantity: 2 })).not.toBe(base);
    expect(requestHashOf({ name: 'a', type: 'BUY', quantity: 1 })).toBe(base);
  });

  it('refuses to encode an invalid command', () => {
    expect(() => encodeCommand(trade('btcusdt', 'BUY', 0))).toThrow(AssertionFailure);
    expect(() => encodeCommand({ ...trade('btcusdt', 'BUY', 1), idempotencyKey: 'k' })).toThrow(/both set/);
  });

  // Version 1 (JSON), as Raft logs written before the binary layout hold it: still decodes.
  const good: Record<string, unknown> = {
    v: 1, op: 'trade', name: 'btcusdt', type: 'BUY', quantity: 3, price: null, executedAtMs: 1_700_000_000_000, idempotencyKey: null, requestHash: null,
  };

  it('decodes a version-1 (JSON) entry of an older log, with and without a key', () => {
    const withoutV = (record: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'v'));
    expect(decodeCommand(encoder.encode(JSON.stringify(good)))).toEqual(withoutV(good));
    const keyed = { ...good, type: 'SELL', price: 12.5, idempotencyKey: 'k-1', requestHash: requestHashOf({ name: 'btcusdt', type: 'SELL', quantity: 3 }) };
    expect(decodeCommand(encoder.encode(JSON.stringify(keyed)))).toEqual(withoutV(keyed));
  });

  const corrupt: [string, unknown][] = [
    ['not json', '{"v":1'],
    ['array', [1, 2]],
    ['version 2', { ...good, v: 2 }],
    ['unknown op', { ...good, op: 'burn' }],
    ['extra field', { ...good, extra: 1 }],
    ['missing field', { ...good, price: undefined }],
    ['lower-case type', { ...good, type: 'buy' }],
    ['fractional quantity', { ...good, quantity: 1.5 }],
    ['huge quantity', { ...good, quantity: 1_000_001 }],
    ['string quantity', { ...good, quantity: '3' }],
    ['upper-case name', { ...good, name: 'BTCUSDT' }],
    ['negative price', { ...good, price: -1 }],
    ['key without hash', { ...good, idempotencyKey: 'abc' }],
    ['negative time', { ...good, executedAtMs: -5 }],
  ];
  for (const [label, value] of corrupt) {
    it(`asserts on a corrupt entry: ${label}`, () => {
      const bytes = encoder.encode(typeof value === 'string' ? value : JSON.stringify(value));
      expect(() => decodeCommand(bytes)).toThrow(AssertionFailure);
    });
  }

  it('encodes version 2 (binary) in a fixed layout', () => {
    const bytes = encodeCommand(trade('ab', 'SELL', 258, { price: 1.5, atMs: 1000 }));
    // version, op, flags (SELL | price), quantity u32 LE, executedAtMs f64 LE, price f64 LE, name
    expect([...bytes]).toEqual([2, 1, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x8f, 0x40, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 2, 0x61, 0x62]);
  });

  const binary = (): Uint8Array => encodeCommand(trade('btcusdt', 'BUY', 3, { key: 'k-1', price: 2 }));
  const binaryCorrupt: [string, (b: Uint8Array) => Uint8Array][] = [
    ['unknown version byte', (b) => Uint8Array.of(3, ...b.subarray(1))],
    ['unknown op', (b) => Uint8Array.of(b[0] ?? 0, 9, ...b.subarray(2))],
    ['unknown flag', (b) => Uint8Array.of(b[0] ?? 0, b[1] ?? 0, (b[2] ?? 0) | 8, ...b.subarray(3))],
    ['truncated', (b) => b.subarray(0, b.length - 1)],
    ['trailing byte', (b) => Uint8Array.of(...b, 0)],
    ['zero quantity', (b) => Uint8Array.of(...b.subarray(0, 3), 0, 0, 0, 0, ...b.subarray(7))],
    ['upper-case name', (b) => b.map((x, i) => (i === 24 ? 0x42 : x))],
    ['control character in name', (b) => b.map((x, i) => (i === 24 ? 0x01 : x))],
    ['header only', (b) => b.subarray(0, 15)],
  ];
  for (const [label, mutate] of binaryCorrupt) {
    it(`asserts on a corrupt binary entry: ${label}`, () => {
      const good2 = binary();
      expect(decodeCommand(good2).name).toBe('btcusdt');
      expect(() => decodeCommand(mutate(good2))).toThrow(AssertionFailure);
    });
  }

  it('asserts on invalid UTF-8 and on empty data', () => {
    expect(() => decodeCommand(new Uint8Array([0xff, 0xfe]))).toThrow(AssertionFailure);
    expect(() => decodeCommand(new Uint8Array())).toThrow(AssertionFailure);
  });
});
