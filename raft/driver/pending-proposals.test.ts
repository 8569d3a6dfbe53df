import { describe, expect, it } from 'vitest';
import { type Entry, EntryKind } from '../core/types.js';
import { RaftDriverErrorCode, type RaftError } from '../errors/raft-errors.js';
import { PendingProposals } from './pending-proposals.js';
import { ManualRuntime } from './testing/manual-runtime.js';

const entry = (index: number, term: number): Entry => ({ index, term, kind: EntryKind.Normal, data: new Uint8Array(0) });

/** What a proposal's promise settled to by the time the microtasks queued so far have run. */
async function outcome(promise: Promise<{ result: string }>): Promise<string> {
  let state = 'pending';
  void promise.then((o) => void (state = `ok ${o.result}`), (e: unknown) => void (state = `error ${(e as RaftError).code}`));
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('PendingProposals', () => {
  it('arms one timer for many proposals, not one each, and times each out at its own deadline', async () => {
    const runtime = new ManualRuntime();
    const proposals = new PendingProposals<string>(1000, runtime);
    const first = Array.from({ length: 100 }, (_, i) => proposals.add(i + 1, 1, 1_000));
    for (const p of first) p.catch(() => undefined);
    expect(runtime.armed).toBe(1);
    runtime.advance(500);
    const later = proposals.add(101, 1, 1_000);
    runtime.advance(500);
    expect(await outcome(first[0] as Promise<{ result: string }>)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(await outcome(first[99] as Promise<{ result: string }>)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(await outcome(later)).toBe('pending');
    expect(proposals.size).toBe(1);
    runtime.advance(500);
    expect(await outcome(later)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(proposals.size).toBe(0);
    expect(runtime.pending()).toBe(0);
  });

  it('resolves applied entries in order with their results, and drops one whose index another term took', async () => {
    const proposals = new PendingProposals<string>(10, new ManualRuntime());
    const a = proposals.add(3, 2, 5_000);
    const b = proposals.add(4, 2, 5_000);
    const c = proposals.add(6, 2, 5_000);
    // Index 5 is not ours (a no-op or another node's entry): it settles nothing.
    proposals.applied([entry(3, 2), entry(4, 2), entry(5, 2)], ['r3', 'r4', 'r5']);
    expect(await outcome(a)).toBe('ok r3');
    expect(await outcome(b)).toBe('ok r4');
    expect(await outcome(c)).toBe('pending');
    proposals.applied([entry(6, 3)], ['r6']);
    expect(await outcome(c)).toBe(`error ${RaftDriverErrorCode.ProposalDropped}`);
    expect(proposals.size).toBe(0);
  });

  it('a new proposal at or below pending ones drops them (our log was cut back by a later term of ours)', async () => {
    const proposals = new PendingProposals<string>(10, new ManualRuntime());
    const kept = proposals.add(7, 2, 5_000);
    const cut = [proposals.add(8, 2, 5_000), proposals.add(9, 2, 5_000)];
    for (const p of cut) p.catch(() => undefined);
    const fresh = proposals.add(8, 4, 5_000);
    for (const p of cut) expect(await outcome(p)).toBe(`error ${RaftDriverErrorCode.ProposalDropped}`);
    proposals.applied([entry(7, 2), entry(8, 4)], ['r7', 'r8']);
    expect(await outcome(kept)).toBe('ok r7');
    expect(await outcome(fresh)).toBe('ok r8');
  });

  it('fails proposals a received snapshot covers, and all on rejectAll', async () => {
    const runtime = new ManualRuntime();
    const proposals = new PendingProposals<string>(10, runtime);
    const covered = [proposals.add(2, 1, 5_000), proposals.add(5, 1, 5_000)];
    for (const p of covered) p.catch(() => undefined);
    const above = proposals.add(6, 1, 5_000);
    proposals.coveredBySnapshot(5);
    for (const p of covered) expect(await outcome(p)).toBe(`error ${RaftDriverErrorCode.Timeout}`);
    expect(await outcome(above)).toBe('pending');
    proposals.rejectAll(RaftDriverErrorCode.Stopped, 'stopped');
    expect(await outcome(above)).toBe(`error ${RaftDriverErrorCode.Stopped}`);
    expect(runtime.pending()).toBe(0);
  });

  it('stays correct over many rounds of add and apply (the queue is compacted, nothing leaks)', async () => {
    const proposals = new PendingProposals<string>(64, new ManualRuntime());
    let index = 0;
    for (let round = 0; round < 200; round++) {
      const batch = Array.from({ length: 16 }, () => ({ index: ++index, promise: proposals.add(index, 1, 5_000) }));
      proposals.applied(batch.map((p) => entry(p.index, 1)), batch.map((p) => `r${p.index}`));
      for (const p of batch) expect(await outcome(p.promise)).toBe(`ok r${p.index}`);
    }
    expect(proposals.size).toBe(0);
  });
});
