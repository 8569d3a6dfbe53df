import { describe, expect, it } from 'vitest';
import { ConfChangeType, encodeConfEntry, type ConfChange, type ConfState } from '../core/conf-change.js';
import { EntryKind, type Entry } from '../core/types.js';
import type { StoredLog } from '../storage/memory-log-storage.js';
import { InvariantChecker } from './invariants.js';
import { StoredLogView } from './stored-log-view.js';

const boot = ['n1', 'n2', 'n3'];

function normal(index: number, term: number): Entry {
  return { index, term, kind: EntryKind.Normal, data: new TextEncoder().encode(`e${index}`) };
}

function confEntry(index: number, term: number, change: ConfChange, conf: Partial<ConfState>): Entry {
  const full: ConfState = { voters: conf.voters ?? [], learners: conf.learners ?? [], addresses: {} };
  return { index, term, kind: EntryKind.ConfChange, data: encodeConfEntry({ change, conf: full }) };
}

function view(id: string, entries: Entry[], commit = 0): StoredLogView {
  const log: StoredLog = { hardState: { term: entries.at(-1)?.term ?? 0, vote: null, commit }, snapshot: null, entries };
  return new StoredLogView(id, () => log);
}

// n1..n3 voters; index 2 adds learner n4; index 3 removes n3.
const addN4 = confEntry(2, 1, { type: ConfChangeType.AddLearner, node: 'n4' }, { voters: boot, learners: ['n4'] });
const removeN3 = confEntry(3, 1, { type: ConfChangeType.Remove, node: 'n3' }, { voters: ['n1', 'n2'], learners: ['n4'] });

describe('membership invariants (configurations reconstructed from stored logs)', () => {
  it('reconstructs the voters in effect at each index', () => {
    const log = view('n1', [normal(1, 1), addN4, removeN3, normal(4, 1)]);
    expect(log.votersAt(1, boot)).toEqual(boot);
    expect(log.votersAt(2, boot)).toEqual(boot);
    expect(log.votersAt(4, boot)).toEqual(['n1', 'n2']);
    expect(log.confIndexesAbove(1)).toEqual([2, 3]);
    expect(log.latestConfIndex()).toBe(3);
  });

  it('rejects a commit whose copies are on a learner and a removed member, accepts one on a majority of voters', () => {
    const checker = new InvariantChecker(boot);
    const entries = [normal(1, 1), addN4, removeN3, normal(4, 1)];
    const voters = [['n1', 'n2']];
    const onLearnerAndRemoved = [view('n1', entries), view('n2', entries.slice(0, 3)), view('n3', entries), view('n4', entries)];
    expect(() => checker.checkCommitQuorum('n1', 4, 1, voters, onLearnerAndRemoved)).toThrow(/commit quorum: leader n1 committed 4\/1/);
    checker.checkCommitQuorum('n1', 4, 1, voters, [view('n1', entries), view('n2', entries)]);
  });

  it('counts a commit by the uncommitted change in effect on the leader, and durability by the voters it counted (sim seed 284)', () => {
    const checker = new InvariantChecker(boot);
    const entries = [normal(1, 1), addN4, removeN3, normal(4, 1)];
    const holders = [view('n1', entries, 4), view('n2', entries, 4), view('n3', entries.slice(0, 2)), view('n4', entries.slice(0, 2))];
    checker.observeCommit('n1', 4, 1, holders[0] as StoredLogView);
    checker.checkCommitQuorum('n1', 4, 1, [['n1', 'n2'], boot], holders);
    checker.checkDurable(holders);
    expect(() => checker.checkCommitQuorum('n1', 4, 1, [['n1', 'n2', 'n4', 'n5']], holders)).toThrow(/commit quorum/);
  });

  it('judges durability by the voters a busy leader committed with: a removal appended above the entry (sim seed 3, I/O stalls)', () => {
    // Voters n1, n2; the leader n1 appends 1, 2, then removes n2 at 3 and commits 1..3 alone
    // (the removal takes effect when appended). Later its log is compacted to a snapshot; the only
    // log still holding 1 is learner n4's, which ends before the removal.
    const pair = ['n1', 'n2'];
    const removeN2 = confEntry(3, 1, { type: ConfChangeType.Remove, node: 'n2' }, { voters: ['n1'] });
    const compacted: StoredLog = {
      hardState: { term: 1, vote: 'n1', commit: 3 },
      snapshot: { meta: { index: 3, term: 1, voters: ['n1'] }, data: new Uint8Array(0) },
      entries: [],
    };
    const durable = [new StoredLogView('n1', () => compacted), view('n2', []), view('n4', [normal(1, 1), normal(2, 1)])];
    const judged = (noted: boolean): InvariantChecker => {
      const checker = new InvariantChecker(pair);
      checker.noteConfChange();
      checker.observeCommit('n1', 3, 1, view('n1', [normal(1, 1), normal(2, 1), removeN2], 3));
      if (noted) checker.noteLeaderCommit(3, ['n1']);
      return checker;
    };
    expect(() => judged(false).checkDurable(durable)).toThrow(/durability: committed entry 1\/1 is durable on \[n1 n4\], not on a majority of the voters \[n1 n2\]/);
    judged(true).checkDurable(durable);
    // Noted voters still need a majority: on none of them, the entry is not durable.
    const lost = [new StoredLogView('n1', () => ({ ...compacted, snapshot: null })), view('n2', []), view('n4', [normal(1, 1)])];
    expect(() => judged(true).checkDurable(lost)).toThrow(/durability/);
  });

  it('rejects a leader holding two uncommitted changes, or leading outside its configuration', () => {
    const checker = new InvariantChecker(boot);
    checker.checkLeaderConf(view('n1', [normal(1, 1), addN4]), 1, 1);
    expect(() => checker.checkLeaderConf(view('n1', [normal(1, 1), addN4, removeN3]), 1, 1)).toThrow(/one configuration change in flight/);
    expect(() => checker.checkLeaderConf(view('n3', [normal(1, 1), addN4, removeN3]), 2, 3)).not.toThrow();
    const removeN2 = confEntry(4, 2, { type: ConfChangeType.Remove, node: 'n2' }, { voters: ['n1'], learners: ['n4'] });
    expect(() => checker.checkLeaderConf(view('n3', [normal(1, 1), addN4, removeN3, removeN2]), 2, 4)).toThrow(/leader is a voter/);
  });

  it('rejects a removed member leading a term after the one its removal was committed in', () => {
    const checker = new InvariantChecker(boot);
    checker.observeCommit('n1', 3, 2, view('n1', [normal(1, 1), addN4, removeN3], 3));
    checker.observeLeader('n3', 2);
    expect(() => checker.observeLeader('n3', 3)).toThrow(/removed member leads: n3 leads term 3/);
  });
});
