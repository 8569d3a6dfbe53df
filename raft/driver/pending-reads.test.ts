import { describe, expect, it } from 'vitest';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { PendingReads } from './pending-reads.js';
import { processRuntime } from './raft-runtime.js';

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
