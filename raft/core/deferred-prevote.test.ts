import { describe, expect, it } from 'vitest';
import { TestCluster } from './testing/test-cluster.js';
import { Role } from './types.js';

/**
 * A follower ignores pre-votes while its leader's lease may hold (leader stickiness). When the
 * leader has crashed, the pre-vote it ignored is stepped again once the lease ends, so the
 * first pre-candidate wins a tick later instead of a whole randomized timeout later.
 */

const config = { leaseReads: true, checkQuorum: true, preVote: true, electionTimeoutTicks: 10 } as const;

/** A leader that committed an entry, and its two followers, all having just heard a heartbeat. */
function cluster(seed: number): { c: TestCluster; leader: string; a: string; b: string } {
  const c = new TestCluster(3, { seed, config });
  const leader = c.waitLeader();
  c.propose(leader, 'x');
  c.stabilize();
  c.tick(1);
  const [a, b] = c.ids.filter((id) => id !== leader);
  if (a === undefined || b === undefined) throw new Error('expected two followers');
  return { c, leader, a, b };
}

/** Tick only `id` until it becomes a pre-candidate; its pre-vote reaches the others. */
function untilPreCandidate(c: TestCluster, id: string): void {
  for (let i = 0; i < 4 * config.electionTimeoutTicks && c.core(id).status().role !== Role.PreCandidate; i++) c.tick(1, [id]);
  expect(c.core(id).status().role).toBe(Role.PreCandidate);
}

describe('pre-votes ignored during a lease', () => {
  it('are granted once the lease ends: the first pre-candidate wins without a second timeout', () => {
    // Seed chosen so that b's own randomized timeout is longer than its lease (no race of two pre-candidates).
    const { c, leader, a, b } = cluster(5);
    c.crash(leader);
    untilPreCandidate(c, a);
    // b heard the leader less than an election timeout ago: it ignores a's pre-vote for now.
    c.tick(config.electionTimeoutTicks - 1, [b]);
    expect(c.core(a).status().role).toBe(Role.PreCandidate);
    expect(c.core(b).status().role).toBe(Role.Follower);
    // b's lease ends at its next tick: the pre-vote it ignored is granted, and a is elected
    // although a itself did not tick again.
    c.tick(1, [b]);
    expect(c.leader()).toBe(a);
    expect(c.core(b).status().leader).toBe(a);
  });

  it('never make two pre-candidates grant each other: one leader, one term later, whoever times out when', () => {
    // In seeds 93, 242, 249 and 449, b's own timer runs out at the very tick its lease ends: then
    // b campaigns itself and does not also grant a's pre-vote (both would campaign and split the
    // vote). In the others a's deferred pre-vote is granted first.
    for (const seed of [1, 2, 3, 93, 242, 249, 449]) {
      const { c, leader, a, b } = cluster(seed);
      const term = c.core(a).status().term;
      c.crash(leader);
      untilPreCandidate(c, a);
      for (let i = 0; i < 2 * config.electionTimeoutTicks && c.leader() === null && c.core(b).status().role === Role.Follower; i++) c.tick(1, [b]);
      expect(c.leader(), `seed ${seed}`).not.toBeNull();
      expect(c.core(c.leader() ?? a).status().term, `seed ${seed}`).toBe(term + 1);
    }
  });

  it('are dropped while the leader is alive: a member cut off from it does not depose it', () => {
    const { c, leader, a } = cluster(6);
    const term = c.core(leader).status().term;
    c.cutLink(leader, a);
    c.cutLink(a, leader);
    c.tick(10 * config.electionTimeoutTicks);
    expect(c.leader()).toBe(leader);
    expect(c.core(leader).status().term).toBe(term);
  });
});
