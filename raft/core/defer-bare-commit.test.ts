import { describe, expect, it } from 'vitest';
import { TestCluster } from './testing/test-cluster.js';
import { MessageType, type AppendMessage, type Message } from './types.js';

/**
 * `deferBareCommit` (config.ts): a new commit index alone makes no append to a follower in
 * replicate state; followers learn it from the next entries, the next heartbeat, or right
 * before the leader answers their ReadIndex. Without the option the leader sends it at once.
 */
const leaseConfig = { leaseReads: true, checkQuorum: true, preVote: true } as const;

function cluster(deferBareCommit: boolean, seed: number): { c: TestCluster; leader: string; followers: string[] } {
  const c = new TestCluster(3, { seed, config: { ...leaseConfig, deferBareCommit } });
  const leader = c.waitLeader();
  c.propose(leader, 'x');
  c.stabilize();
  c.tick(1);
  c.stabilize();
  return { c, leader, followers: c.ids.filter((id) => id !== leader) };
}

/** Deliver everything until quiet (no ticks), recording what the leader sent. */
function settle(c: TestCluster, leader: string): Message[] {
  const sent: Message[] = [];
  for (let round = 0; round < 100; round++) {
    c.processReadies();
    if (c.inflight.length === 0) break;
    const batch = c.inflight;
    c.inflight = [];
    for (const m of batch) {
      if (m.from === leader) sent.push(m);
      c.deliver(m);
    }
  }
  return sent;
}

const bareAppends = (sent: readonly Message[]): AppendMessage[] =>
  sent.filter((m): m is AppendMessage => m.type === MessageType.Append && m.entries.length === 0);

describe('deferBareCommit', () => {
  it('off: the leader sends every follower the new commit index at once, and they apply without a tick', () => {
    const { c, leader, followers } = cluster(false, 21);
    c.propose(leader, 'a');
    const sent = settle(c, leader);
    const commit = c.core(leader).status().commit;
    expect(bareAppends(sent).map((m) => [m.to, m.commit]).sort()).toEqual(followers.map((f) => [f, commit]).sort());
    for (const f of followers) expect(c.appliedData(f)).toEqual(['x', 'a']);
  });

  it('on: no bare commit append; followers apply at the next heartbeat', () => {
    const { c, leader, followers } = cluster(true, 21);
    c.propose(leader, 'a');
    const sent = settle(c, leader);
    expect(bareAppends(sent)).toEqual([]);
    expect(c.appliedData(leader)).toEqual(['x', 'a']);
    for (const f of followers) expect(c.appliedData(f)).toEqual(['x']);
    c.tick(1);
    c.stabilize();
    for (const f of followers) expect(c.appliedData(f)).toEqual(['x', 'a']);
  });

  it('on: the next entries carry the commit index of the ones before', () => {
    const { c, leader, followers } = cluster(true, 22);
    c.propose(leader, 'a');
    settle(c, leader);
    const commitA = c.core(leader).status().commit;
    c.propose(leader, 'b');
    const sent = settle(c, leader);
    const appends = sent.filter((m): m is AppendMessage => m.type === MessageType.Append && m.entries.length > 0);
    expect(appends.map((m) => [m.to, m.commit]).sort()).toEqual(followers.map((f) => [f, commitA]).sort());
    for (const f of followers) expect(c.appliedData(f)).toEqual(['x', 'a']);
  });

  it('on: a follower read is answered after the commit index reaches it, without a tick', () => {
    const { c, leader, followers } = cluster(true, 23);
    const follower = followers[0] as string;
    c.propose(leader, 'a');
    settle(c, leader);
    expect(c.appliedData(follower)).toEqual(['x']);
    c.core(leader).setReadLease(true);
    c.core(follower).readIndex('after-a');
    const sent = settle(c, leader);
    const toFollower = sent.filter((m) => m.to === follower).map((m) => m.type);
    expect(toFollower).toEqual([MessageType.Append, MessageType.ReadIndexResp]);
    const commit = c.core(leader).status().commit;
    expect(c.node(follower).readStates).toEqual([{ context: 'after-a', index: commit }]);
    expect(c.appliedData(follower)).toEqual(['x', 'a']);
    expect(c.core(follower).status().commit).toBe(commit);
  });

  it('on: a follower whose acknowledgement of the read index is still on its way learns the commit once it arrives, without a tick', () => {
    const { c, leader, followers } = cluster(true, 24);
    const [slow, other] = followers as [string, string];
    c.propose(leader, 'a');
    // Replicate 'a', but hold the slow follower's acknowledgement: the other one commits it.
    const held: Message[] = [];
    for (let round = 0; round < 20; round++) {
      c.processReadies();
      const batch = c.inflight;
      c.inflight = [];
      for (const m of batch) {
        if (m.from === slow && m.type === MessageType.AppendResp) held.push(m);
        else c.deliver(m);
      }
    }
    const commit = c.core(leader).status().commit;
    expect(c.appliedData(other)).toEqual(['x']); // committed on the leader; the other follower not told yet
    expect(c.appliedData(leader)).toEqual(['x', 'a']);
    c.core(leader).setReadLease(true);
    c.core(slow).readIndex('while-acking');
    settle(c, leader);
    expect(c.node(slow).readStates).toEqual([{ context: 'while-acking', index: commit }]);
    expect(c.appliedData(slow)).toEqual(['x']); // its acknowledgement has not reached the leader
    for (const m of held) c.deliver(m);
    const sent = settle(c, leader);
    expect(bareAppends(sent).filter((m) => m.to === slow).map((m) => m.commit)).toEqual([commit]);
    expect(c.appliedData(slow)).toEqual(['x', 'a']);
  });
});
