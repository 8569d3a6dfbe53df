import { describe, expect, it } from 'vitest';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { PendingReads, READ_PARK_MS_MAX } from './pending-reads.js';
import { ReadFailureReason } from '../core/types.js';
import { processRuntime } from './raft-runtime.js';
import { ManualRuntime } from './testing/manual-runtime.js';

/** A read added without a join key always opens its own context. */
function contextOf(read: { context: string | null }): string {
  expect(read.context).not.toBeNull();
  return read.context as string;
}

describe('PendingReads.failGranted (no leader known: a granted read may never reach its index)', () => {
  it('fails reads granted but not applied, keeps reads still waiting for their grant, resolves applied ones first', async () => {
    const reads = new PendingReads('n3', 8, processRuntime);
    const applied = reads.add(60_000);
    const granted = reads.add(60_000);
    const waiting = reads.add(60_000);
    reads.granted([{ context: contextOf(applied), index: 4 }, { context: contextOf(granted), index: 9 }], 5);
    await expect(applied.promise).resolves.toBe(4);
    reads.failGranted(RaftDriverErrorCode.NoLeader, 'read failed: leader lost');
    const error = await granted.promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaftError);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.NoLeader);
    expect(reads.size).toBe(1);
    reads.granted([{ context: contextOf(waiting), index: 6 }], 6);
    await expect(waiting.promise).resolves.toBe(6);
    expect(reads.size).toBe(0);
  });
});

/** What a read's promise settled to by the time the microtasks queued so far have run. */
async function outcome(promise: Promise<number>): Promise<string> {
  let state = 'pending';
  void promise.then((i) => void (state = `index ${i}`), (e: unknown) => void (state = `error ${(e as RaftError).code}`));
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('PendingReads without a timer or map entry per read', () => {
  it('arms one timer for many reads, not one each', () => {
    const runtime = new ManualRuntime();
    const reads = new PendingReads('n1', 1000, runtime);
    for (let i = 0; i < 100; i++) reads.add(5_000);
    expect(reads.size).toBe(100);
    expect(runtime.armed).toBe(1);
    expect(runtime.pending()).toBe(1);
  });

  it('times each read out at its own deadline, re-arming for the earliest left', async () => {
    const runtime = new ManualRuntime();
    const reads = new PendingReads('n1', 10, runtime);
    const late = reads.add(300);
    const early = reads.add(100);
    const granted = reads.add(200);
    reads.granted([{ context: contextOf(granted), index: 7 }], 3); // granted, not applied: still waits
    runtime.advance(99);
    expect([await outcome(early.promise), await outcome(late.promise)]).toEqual(['pending', 'pending']);
    runtime.advance(1);
    expect(await outcome(early.promise)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(reads.size).toBe(2);
    runtime.advance(100);
    expect(await outcome(granted.promise)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(await outcome(late.promise)).toBe('pending');
    runtime.advance(100);
    expect(await outcome(late.promise)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(reads.size).toBe(0);
    expect(runtime.pending()).toBe(0);
    // A late grant of a timed-out read is ignored.
    reads.granted([{ context: contextOf(late), index: 1 }], 9);
    expect(reads.size).toBe(0);
  });

  it('finds contexts granted out of order among many, after a slow read holds the front', async () => {
    const runtime = new ManualRuntime();
    const reads = new PendingReads('n1', 1000, runtime);
    const slow = reads.add(60_000);
    const all = Array.from({ length: 300 }, () => reads.add(60_000));
    // Grant in reverse order, in three Readys, each applied at once.
    for (const part of [all.slice(200), all.slice(100, 200), all.slice(0, 100)]) {
      reads.granted(part.reverse().map((r, i) => ({ context: contextOf(r), index: i })), 1_000);
    }
    for (const r of all) expect(await outcome(r.promise)).toMatch(/^index /);
    expect(reads.size).toBe(1);
    // Another life's context with the same sequence, and a garbled one, answer nothing.
    const sequence = contextOf(slow).split('/').at(-1);
    reads.granted([{ context: `n1/life0/${sequence}`, index: 1 }, { context: 'n1/life1/x', index: 1 }], 1_000);
    expect(await outcome(slow.promise)).toBe('pending');
    reads.granted([{ context: contextOf(slow), index: 5 }], 5);
    expect(await outcome(slow.promise)).toBe('index 5');
    expect(reads.size).toBe(0);
  });
});

describe('PendingReads: one forwarded request in flight per leader and term', () => {
  it('parks the next batch while the request ahead is unanswered, and releases it on the answer', async () => {
    const runtime = new ManualRuntime();
    const reads = new PendingReads('n2', 100, runtime);
    const first = reads.add(5_000, '1/n1');
    expect(first.context).not.toBeNull();
    reads.closeBatch(); // its Ready was taken: the request left
    const parked = reads.add(5_000, '1/n1');
    const joined = reads.add(5_000, '1/n1');
    expect([parked.context, parked.released, joined.context, joined.released]).toEqual([null, null, null, null]);
    reads.closeBatch(); // a parked batch stays open: it has not left
    expect(reads.releaseParked()).toBeNull();
    reads.granted([{ context: contextOf(first), index: 3 }], 3);
    expect(await outcome(first.promise)).toBe('index 3');
    const released = reads.releaseParked();
    expect(released).not.toBeNull();
    expect(released).not.toBe(first.context);
    expect(reads.releaseParked()).toBeNull();
    reads.closeBatch();
    reads.granted([{ context: released as string, index: 5 }], 5);
    expect([await outcome(parked.promise), await outcome(joined.promise)]).toEqual(['index 5', 'index 5']);
  });

  it(`releases the parked batch once the request ahead is ${READ_PARK_MS_MAX} ms old, or failed`, () => {
    const runtime = new ManualRuntime();
    const reads = new PendingReads('n2', 100, runtime);
    const lost = reads.add(5_000, '1/n1');
    reads.closeBatch();
    const parked = reads.add(5_000, '1/n1');
    expect(parked.context).toBeNull();
    runtime.nowMs += READ_PARK_MS_MAX - 1;
    expect(reads.releaseParked()).toBeNull();
    runtime.nowMs += 1;
    expect(reads.releaseParked()).not.toBeNull();
    reads.closeBatch();
    const next = reads.add(5_000, '1/n1');
    expect(next.context).toBeNull(); // behind the batch just sent
    reads.failed([{ context: contextOf(lost), reason: ReadFailureReason.LeaderChanged }], null);
    expect(reads.releaseParked()).toBeNull(); // the failed one was not the one in flight
    void lost.promise.catch(() => undefined);
  });

  it('never parks a leader read (no join key), and sends a parked batch at once when a read of another term arrives', () => {
    const runtime = new ManualRuntime();
    const reads = new PendingReads('n2', 100, runtime);
    reads.add(5_000, '1/n1');
    reads.closeBatch();
    const parked = reads.add(5_000, '1/n1');
    expect(parked.context).toBeNull();
    const otherTerm = reads.add(5_000, '2/n3');
    expect(otherTerm.released).not.toBeNull();
    expect(otherTerm.context).not.toBeNull();
    reads.closeBatch();
    expect(reads.add(5_000).context).not.toBeNull();
  });
});
