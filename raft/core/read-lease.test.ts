import { describe, expect, it } from 'vitest';
import { makeRaftConfig } from './config.js';
import { TestCluster } from './testing/test-cluster.js';
import { MessageType, type Message } from './types.js';

const leaseConfig = { leaseReads: true, checkQuorum: true, preVote: true } as const;

/** A 3-node cluster with a leader that committed in its term and confirmed a heartbeat round. */
function leasedCluster(seed: number): { c: TestCluster; leader: string; followers: string[] } {
  const c = new TestCluster(3, { seed, config: leaseConfig });
  const leader = c.waitLeader();
  c.propose(leader, 'x');
  c.stabilize();
  c.tick(1);
  return { c, leader, followers: c.ids.filter((id) => id !== leader) };
}

describe('lease reads', () => {
  it('need checkQuorum', () => {
    expect(() => makeRaftConfig('n1', ['n1', 'n2', 'n3'], { leaseReads: true, checkQuorum: false })).toThrow(/checkQuorum/);
  });

  it('the leader renews its lease with a heartbeat round every heartbeat interval; followers have none', () => {
    const { c, leader, followers } = leasedCluster(11);
    const first = c.core(leader).readLeaseTick();
    expect(first).toBeGreaterThanOrEqual(0);
    c.tick(3);
    expect(c.core(leader).readLeaseTick()).toBeGreaterThan(first);
    for (const id of followers) expect(c.core(id).readLeaseTick()).toBe(-1);
  });

  it('while the driver says the lease holds, a leader read is answered without any message', () => {
    const { c, leader } = leasedCluster(12);
    const commit = c.core(leader).status().commit;
    c.core(leader).setReadLease(true);
    c.core(leader).readIndex('lease-read');
    c.processReadies();
    expect(c.node(leader).readStates).toEqual([{ context: 'lease-read', index: commit }]);
  });

  it('once the lease is not valid, a read waits for a quorum round again', () => {
    const { c, leader, followers } = leasedCluster(13);
    c.core(leader).setReadLease(false);
    for (const id of followers) c.isolate(id);
    c.core(leader).readIndex('no-lease');
    c.processReadies();
    c.deliverAll();
    c.processReadies();
    expect(c.node(leader).readStates).toEqual([]);
  });

  it('a follower read forwarded to a leased leader is answered without a heartbeat round', () => {
    const { c, leader, followers } = leasedCluster(14);
    const follower = followers[0]!;
    c.core(leader).setReadLease(true);
    c.core(follower).readIndex('via-leader');
    c.processReadies();
    const heartbeatsBefore = c.countDelivered(MessageType.Heartbeat);
    // Deliver only read traffic: the answer must not need a heartbeat round.
    for (let round = 0; round < 4; round++) {
      const reads: Message[] = c.inflight.filter((m) => m.type === MessageType.ReadIndex || m.type === MessageType.ReadIndexResp);
      c.inflight = c.inflight.filter((m) => !reads.includes(m));
      for (const m of reads) c.deliver(m);
      c.processReadies();
    }
    expect(c.countDelivered(MessageType.Heartbeat)).toBe(heartbeatsBefore);
    expect(c.node(follower).readStates.map((r) => r.context)).toEqual(['via-leader']);
  });

  it('a leadership transfer ends lease reads for the rest of the term', () => {
    const { c, leader, followers } = leasedCluster(15);
    const core = c.core(leader);
    expect(core.transferLeadership(followers[0]!).ok).toBe(true);
    for (const id of followers) c.isolate(id); // the transfer cannot finish
    core.setReadLease(true);
    core.readIndex('during-transfer');
    c.processReadies();
    expect(c.node(leader).readStates).toEqual([]);
  });

  it('a restarted member refuses votes for one election timeout (it may have confirmed a lease before crashing)', () => {
    for (const leaseReads of [true, false]) {
      const c = new TestCluster(3, { seed: 16, config: { ...leaseConfig, leaseReads } });
      const leader = c.waitLeader();
      c.stabilize();
      const [voter, candidate] = c.ids.filter((id) => id !== leader) as [string, string];
      c.crash(voter);
      c.restart(voter);
      c.isolate(leader);
      c.core(candidate).campaign();
      c.stabilize();
      expect(c.leader([voter, candidate])).toBe(leaseReads ? null : candidate);
      if (leaseReads) {
        c.tick(10, [voter]); // one election timeout later the hold is over: some leader among the two
        if (c.leader([voter, candidate]) === null) c.core(candidate).campaign();
        c.stabilize();
        expect(c.leader([voter, candidate])).not.toBeNull();
      }
    }
  });
});
