import { describe, expect, it } from 'vitest';
import { makeRaftConfig } from './config.js';
import { RaftCore } from './raft-core.js';
import { createRng } from '../../common/rng.js';
import { MessageType, type Message } from './types.js';

/**
 * Lease reads rest on this: a member that heard from a leader less than an election timeout
 * ago votes for no other candidate, whatever message first brought it the candidate's term
 * (sim seed 11357: a candidate's answer to a stale append moved a follower to its term, the
 * follower then granted the Vote, and the old leader served a stale lease read).
 */
function follower(): RaftCore {
  const config = makeRaftConfig('n3', ['n1', 'n2', 'n3'], { preVote: false, checkQuorum: true, leaseReads: true });
  const core = new RaftCore(config, createRng(1), { hardState: { term: 15, vote: null, commit: 0 }, snapshot: null, entries: [] });
  for (let i = 0; i < config.electionTimeoutTicks; i++) core.tick();
  return core;
}

function votesGranted(core: RaftCore): Message[] {
  const granted: Message[] = [];
  while (core.hasReady()) {
    const ready = core.ready();
    granted.push(...ready.messages.filter((m) => m.type === MessageType.VoteResp && !m.reject));
    core.advance(ready);
  }
  return granted;
}

describe('lease reads: votes held while a lease may hold', () => {
  it('refuses a Vote in a term it reached through a non-vote message, right after hearing the leader', () => {
    const core = follower();
    core.step({ type: MessageType.Heartbeat, from: 'n2', to: 'n3', term: 15, commit: 0, readRound: 1 });
    votesGranted(core);
    core.step({ type: MessageType.AppendResp, from: 'n1', to: 'n3', term: 16, reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
    core.step({ type: MessageType.Vote, from: 'n1', to: 'n3', term: 16, lastIndex: 0, lastTerm: 0, transfer: false });
    expect(votesGranted(core)).toEqual([]);
  });

  it('grants it once an election timeout passed without a leader', () => {
    const core = follower();
    core.step({ type: MessageType.Heartbeat, from: 'n2', to: 'n3', term: 15, commit: 0, readRound: 1 });
    core.step({ type: MessageType.AppendResp, from: 'n1', to: 'n3', term: 16, reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
    for (let i = 0; i < 10; i++) core.tick();
    votesGranted(core);
    core.step({ type: MessageType.Vote, from: 'n1', to: 'n3', term: 16, lastIndex: 0, lastTerm: 0, transfer: false });
    expect(votesGranted(core).map((m) => m.from)).toEqual(['n3']);
  });
});
