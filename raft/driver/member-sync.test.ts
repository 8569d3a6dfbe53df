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
  it('sets added peers at once and forgets a removed one only once its removal commits', () => {
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
    const removals = (): string[] => calls.filter((c) => c.startsWith('remove'));
    expect(removals()).toEqual([]); // n2 may be the leader that must hear our answers to commit it
    sync.sync({ ...removal, commit: 6 });
    expect(removals()).toEqual(['remove n2']);
  });
});
