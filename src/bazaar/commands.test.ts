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

  const good = JSON.parse(new TextDecoder().decode(encodeCommand(trade('btcusdt', 'BUY', 3)))) as Record<string, unknown>;
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

  it('asserts on invalid UTF-8 and on empty data', () => {
    expect(() => decodeCommand(new Uint8Array([0xff, 0xfe]))).toThrow(AssertionFailure);
    expect(() => decodeCommand(new Uint8Array())).toThrow(AssertionFailure);
  });
});
