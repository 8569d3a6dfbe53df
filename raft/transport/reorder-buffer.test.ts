import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageType, type Message } from '../core/types.js';
import { ReorderBuffer } from './reorder-buffer.js';

/** One message per call, its term carrying the call's seq so the delivery order is visible. */
const call = (seq: number): Message[] => [{ type: MessageType.TimeoutNow, from: 'n1', to: 'n2', term: seq }];

function setup(options = { waitMs: 50, maxBufferedCalls: 4 }) {
  const delivered: number[] = [];
  const events = { late: 0, gaps: 0 };
  const buffer = new ReorderBuffer((messages) => delivered.push(...messages.map((m) => m.term)), options, {
    late: () => (events.late += 1),
    gapSkipped: () => (events.gaps += 1),
  });
  return { buffer, delivered, events };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ReorderBuffer', () => {
  it('delivers in-order calls at once', () => {
    const { buffer, delivered } = setup();
    for (const seq of [1, 2, 3]) buffer.accept('n1', 'e', seq, seq, call(seq));
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('holds a call that overtook an earlier one until the gap fills', () => {
    const { buffer, delivered, events } = setup();
    buffer.accept('n1', 'e', 1, 1, call(1));
    buffer.accept('n1', 'e', 3, 2, call(3));
    expect(delivered).toEqual([1]);
    expect(buffer.heldCalls('n1')).toBe(1);
    buffer.accept('n1', 'e', 2, 2, call(2));
    expect(delivered).toEqual([1, 2, 3]);
    expect(events).toEqual({ late: 0, gaps: 0 });
  });

  it('stops waiting when the floor says the missing call was abandoned', () => {
    const { buffer, delivered } = setup();
    buffer.accept('n1', 'e', 1, 1, call(1));
    buffer.accept('n1', 'e', 3, 2, call(3));
    buffer.accept('n1', 'e', 4, 4, call(4));
    expect(delivered).toEqual([1, 3, 4]);
    expect(buffer.heldCalls('n1')).toBe(0);
  });

  it('skips a gap after waitMs and delivers a late call anyway', () => {
    vi.useFakeTimers();
    const { buffer, delivered, events } = setup();
    buffer.accept('n1', 'e', 1, 1, call(1));
    buffer.accept('n1', 'e', 3, 2, call(3));
    vi.advanceTimersByTime(49);
    expect(delivered).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(delivered).toEqual([1, 3]);
    buffer.accept('n1', 'e', 2, 2, call(2));
    expect(delivered).toEqual([1, 3, 2]);
    expect(events).toEqual({ late: 1, gaps: 1 });
  });

  it('skips the gap at once when too many calls are held', () => {
    const { buffer, delivered, events } = setup({ waitMs: 10_000, maxBufferedCalls: 2 });
    buffer.accept('n1', 'e', 1, 1, call(1));
    for (const seq of [3, 4, 5]) buffer.accept('n1', 'e', seq, 2, call(seq));
    expect(delivered).toEqual([1, 3, 4, 5]);
    expect(events.gaps).toBe(1);
    buffer.close();
  });

  it('starts afresh for a new sender epoch and passes seq 0 through', () => {
    const { buffer, delivered } = setup();
    buffer.accept('n1', 'old', 7, 7, call(7));
    buffer.accept('n1', 'new', 1, 1, call(1));
    buffer.accept('n1', 'new', 0, 0, call(100));
    buffer.accept('n1', 'new', 2, 2, call(2));
    expect(delivered).toEqual([7, 1, 100, 2]);
  });

  it('keeps senders independent', () => {
    const { buffer, delivered } = setup();
    buffer.accept('n1', 'e', 2, 1, call(2));
    buffer.accept('n3', 'e', 1, 1, call(10));
    expect(delivered).toEqual([10]);
    buffer.close();
  });
});
