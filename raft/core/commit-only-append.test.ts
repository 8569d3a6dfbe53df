import { describe, expect, it } from 'vitest';
import { drainReadies, newTestCore } from './testing/core-fixtures.js';
import { EntryKind, type Message, MessageType } from './types.js';

/**
 * An append that only carries a newer commit index to a follower the leader knows matches
 * (raft-core.ts sendOneAppend): marked commit-only, answered by the follower only when rejected.
 * The leader's side shows in testdata/count.txt: every commit's append, half the answers.
 */
const entry = (index: number) => ({ index, term: 1, kind: EntryKind.Normal, data: new Uint8Array([index]) });
const sent = (core: ReturnType<typeof newTestCore>): Message[] => drainReadies(core).flatMap((r) => r.messages);

describe('commit-only appends', () => {
  it('a follower applies the commit without answering; a mismatch is still answered with a rejection', () => {
    const follower = newTestCore(['n1', 'n2', 'n3']);
    sent(follower);
    follower.step({ type: MessageType.Append, from: 'n2', to: 'n1', term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [entry(1), entry(2)] });
    expect(sent(follower).filter((m) => m.type === MessageType.AppendResp)).toHaveLength(1);
    follower.step({ type: MessageType.Append, from: 'n2', to: 'n1', term: 1, prevIndex: 2, prevTerm: 1, commit: 2, entries: [], commitOnly: true });
    expect(sent(follower)).toEqual([]);
    expect(follower.status().commit).toBe(2);
    // The leader believed it matched through 5: this log ends at 2, so it says so.
    follower.step({ type: MessageType.Append, from: 'n2', to: 'n1', term: 1, prevIndex: 5, prevTerm: 1, commit: 5, entries: [], commitOnly: true });
    expect(sent(follower)).toMatchObject([{ type: MessageType.AppendResp, to: 'n2', reject: true, index: 5 }]);
  });

});
