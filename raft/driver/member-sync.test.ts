import { describe, expect, it } from 'vitest';
import type { Status } from '../core/types.js';
import type { RaftTransport } from '../transport/transport.js';
import { MemberSync } from './member-sync.js';

function status(voters: string[], learners: string[], addresses: Record<string, string>, confIndex: number, commit: number): Status {
  return {
    id: 'n1', role: 'leader', term: 1, vote: 'n1', leader: 'n1', commit, applied: commit, firstIndex: 1, lastIndex: confIndex,
    snapshotIndex: 0, voters, learners, addresses, confIndex, progress: [], transferee: null,
  };
}

describe('MemberSync', () => {
  it('sets added peers at once and never forgets a member (a catching-up node replays old configurations)', () => {
    const calls: string[] = [];
    const transport: RaftTransport = {
      start: () => Promise.resolve(), send: () => undefined, close: () => Promise.resolve(),
      setPeer: (id, address) => calls.push(`set ${id} ${address}`),
      removePeer: (id) => calls.push(`remove ${id}`),
    };
    const sync = new MemberSync('n1', transport);
    expect(sync.sync(status(['n1', 'n2', 'n3'], [], {}, 0, 1))).not.toBeNull();
    expect(calls).toEqual([]);
    sync.sync(status(['n1', 'n2', 'n3'], ['n4'], { n4: 'h:4' }, 5, 4));
    expect(calls).toEqual(['set n4 h:4']);
    const removal = status(['n1', 'n3'], ['n4'], { n4: 'h:4' }, 6, 5);
    sync.sync(removal);
    sync.sync({ ...removal, commit: 6 });
    // n2 may be a removed leader that needs our answers to commit its removal, and a learner
    // replaying history sees members "leave" that are in fact the current leader.
    expect(calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    sync.sync(status(['n1', 'n3'], ['n4', 'n5'], { n4: 'h:4', n5: 'h:5' }, 7, 7));
    expect(calls.at(-1)).toBe('set n5 h:5');
  });
});
