import { describe, expect, it } from 'vitest';
import { type Entry, EntryKind, type HardState } from '../core/types.js';
import { CommitDeferral, readyNeedsSync } from './commit-deferral.js';

const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const entry = (index: number, term: number): Entry => ({ index, term, kind: EntryKind.Empty, data: new Uint8Array(0) });
const none = { hardState: null, snapshot: null, entries: [] };

describe('CommitDeferral', () => {
  it('keeps a commit-only hard state back and hands it over with the next write', () => {
    const deferral = new CommitDeferral();
    expect(deferral.take({ ...none, hardState: hs(2, 'n1', 5), mustSync: false })).toBeNull();
    expect(deferral.take({ ...none, hardState: hs(2, 'n1', 6), mustSync: false })).toBeNull();
    expect(deferral.take({ ...none, entries: [entry(7, 2)] })).toEqual({ hardState: hs(2, 'n1', 6), snapshot: null, entries: [entry(7, 2)] });
    // Handed over once: the next write carries nothing of it.
    expect(deferral.take({ ...none, entries: [entry(8, 2)] })).toEqual({ hardState: null, snapshot: null, entries: [entry(8, 2)] });
    expect(deferral.takeRemaining()).toBeNull();
  });

  it('lets a Ready\'s own hard state supersede the deferred one', () => {
    const deferral = new CommitDeferral();
    deferral.take({ ...none, hardState: hs(2, 'n1', 5), mustSync: false });
    const own = { ...none, hardState: hs(3, 'n3', 5), mustSync: true };
    // Written as it is (no copy): its hard state, snapshot and entries.
    expect(deferral.take(own)).toBe(own);
    expect(deferral.takeRemaining()).toBeNull();
  });

  it('writes a term or vote change at once, and a Ready without mustSync counts as one that needs it', () => {
    const deferral = new CommitDeferral();
    expect(deferral.take({ ...none, hardState: hs(4, 'n2', 0), mustSync: true })).not.toBeNull();
    expect(deferral.take({ ...none, hardState: hs(4, 'n2', 1) })).not.toBeNull();
    expect(readyNeedsSync({ ...none, entries: [entry(1, 1)], mustSync: false })).toBe(true);
  });

  it('hands the last deferred hard state over on stop, once, and a Ready of nothing writes nothing', () => {
    const deferral = new CommitDeferral();
    expect(deferral.take(none)).toBeNull();
    expect(deferral.takeRemaining()).toBeNull();
    deferral.take({ ...none, hardState: hs(2, 'n1', 9), mustSync: false });
    expect(deferral.take(none)).toBeNull();
    expect(deferral.takeRemaining()).toEqual({ hardState: hs(2, 'n1', 9), snapshot: null, entries: [] });
    expect(deferral.takeRemaining()).toBeNull();
  });
});
