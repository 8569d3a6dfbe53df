import { describe, expect, it } from 'vitest';
import type { RaftCore } from './raft-core.js';
import { drainReadies, newTestCore } from './testing/core-fixtures.js';
import { MessageType, Role, type NodeId } from './types.js';

/**
 * Leader pipelining (Raft thesis 10.2.1): a leader's Ready may send its appends before its own
 * write completes (`leaderMaySendFirst`), because the leader counts itself toward a commit
 * only for entries advance() reported durable. Followers' acknowledgements that arrive while
 * the leader still writes cannot commit an entry the leader has not persisted unless they
 * alone form a quorum.
 */
const newCore = (voters: readonly NodeId[]): RaftCore => newTestCore(voters);

const drain = drainReadies;

function ack(core: RaftCore, from: NodeId, index: number): void {
  core.step({ type: MessageType.AppendResp, from, to: 'n1', term: 2, reject: false, index, hintIndex: 0, hintTerm: 0 });
}

/** n1 leads term 2 of `voters`, its empty entry (index 1) committed and applied. */
function leader(voters: readonly NodeId[]): RaftCore {
  const core = newCore(voters);
  core.campaign();
  drain(core);
  for (const id of voters.filter((v) => v !== 'n1')) core.step({ type: MessageType.VoteResp, from: id, to: 'n1', term: 2, reject: false });
  drain(core);
  for (const id of voters.filter((v) => v !== 'n1')) ack(core, id, 1);
  drain(core);
  expect(core.roleInfo().role).toBe(Role.Leader);
  expect(core.status().commit).toBe(1);
  return core;
}

describe('leader pipelining', () => {
  it('a leader Ready with new entries may send first; the candidate Ready with its vote may not', () => {
    const core = newCore(['n1', 'n2', 'n3']);
    core.campaign();
    const [candidate] = drain(core);
    expect(candidate?.hardState?.vote).toBe('n1');
    expect(candidate?.leaderMaySendFirst).toBe(false);
    const l = leader(['n1', 'n2', 'n3']);
    l.propose(new Uint8Array([7]));
    const ready = l.ready();
    expect(ready.entries.map((e) => e.index)).toEqual([2]);
    expect(ready.mustSync).toBe(true);
    expect(ready.leaderMaySendFirst).toBe(true);
    expect(ready.messages.filter((m) => m.type === MessageType.Append).map((m) => m.to).sort()).toEqual(['n2', 'n3']);
  });

  it('one follower ack during the leader write does not commit; advance() then does', () => {
    const core = leader(['n1', 'n2', 'n3']);
    core.propose(new Uint8Array([7]));
    const ready = core.ready();
    ack(core, 'n2', 2); // arrives while the leader still writes entry 2
    expect(core.status().commit).toBe(1);
    core.advance(ready);
    expect(core.status().commit).toBe(2);
    const next = core.ready();
    expect(next.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(next.hardState?.commit).toBe(2);
  });

  it('acks of a follower quorum commit without the leader (5 voters, 2 followers + 1 more)', () => {
    const core = leader(['n1', 'n2', 'n3', 'n4', 'n5']);
    core.propose(new Uint8Array([7]));
    const ready = core.ready();
    ack(core, 'n2', 2);
    ack(core, 'n3', 2);
    expect(core.status().commit).toBe(1); // 2 of 5 durable, the leader's write not yet reported
    ack(core, 'n4', 2);
    expect(core.status().commit).toBe(2); // 3 durable followers are a quorum on their own
    core.advance(ready);
    expect(core.status().commit).toBe(2);
  });

  it('a sole voter commits its entry only in the Ready after the one that persists it', () => {
    const core = newCore(['n1']);
    core.campaign();
    drain(core);
    expect(core.roleInfo().role).toBe(Role.Leader);
    core.propose(new Uint8Array([7]));
    const first = core.ready();
    expect(first.entries.map((e) => e.index)).toEqual([2]);
    expect(first.committedEntries.some((e) => e.index === 2)).toBe(false);
    core.advance(first);
    const second = core.ready();
    expect(second.entries).toEqual([]);
    expect(second.committedEntries.map((e) => e.index)).toEqual([2]);
  });
});
