import { describe, expect, it } from 'vitest';
import type { RaftCore } from './raft-core.js';
import { drainReadies, newTestCore } from './testing/core-fixtures.js';
import { MessageType } from './types.js';

/**
 * The Ready contract on durability: a Ready must be synced before its messages leave when it
 * carries entries, a snapshot, a new term or a new vote (a vote forgotten after a power loss
 * lets a node vote twice in one term). Only a commit-index move may stay unsynced.
 */
const newCore = (): RaftCore => newTestCore(['n1', 'n2', 'n3']);

const drain = drainReadies;

describe('Ready.mustSync', () => {
  it('is true for a Ready that only grants a vote in the current term', () => {
    const core = newCore();
    drain(core);
    core.step({ type: MessageType.Vote, from: 'n2', to: 'n1', term: 1, lastIndex: 0, lastTerm: 0, transfer: false });
    const [ready] = drain(core);
    expect(ready?.hardState).toEqual({ term: 1, vote: 'n2', commit: 0 });
    expect(ready?.entries).toEqual([]);
    expect(ready?.messages.some((m) => m.type === MessageType.VoteResp && !m.reject)).toBe(true);
    expect(ready?.mustSync).toBe(true);
  });

  it('is true for a Ready that moves to a higher term, with or without a vote', () => {
    const core = newCore();
    drain(core);
    core.step({ type: MessageType.Vote, from: 'n3', to: 'n1', term: 4, lastIndex: 0, lastTerm: 0, transfer: false });
    const [ready] = drain(core);
    expect(ready?.hardState?.term).toBe(4);
    expect(ready?.mustSync).toBe(true);
  });

  it('is false for a Ready whose only durable change is the commit index', () => {
    const core = newCore();
    drain(core);
    core.step({
      type: MessageType.Append, from: 'n2', to: 'n1', term: 1, prevIndex: 0, prevTerm: 0, commit: 0,
      entries: [{ index: 1, term: 1, kind: 'normal', data: new Uint8Array([1]) }],
    } as never);
    expect(drain(core).some((r) => r.entries.length > 0 && r.mustSync)).toBe(true);
    core.step({ type: MessageType.Heartbeat, from: 'n2', to: 'n1', term: 1, commit: 1, readRound: 0 } as never);
    const readies = drain(core);
    const commitOnly = readies.find((r) => r.hardState?.commit === 1);
    expect(commitOnly?.entries).toEqual([]);
    expect(commitOnly?.mustSync).toBe(false);
  });
});
