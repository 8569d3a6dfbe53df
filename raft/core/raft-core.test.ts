import { describe, expect, it } from 'vitest';
import { TestCluster } from './testing/test-cluster.js';

describe('RaftCore smoke', () => {
  it('elects one leader and replicates to all', () => {
    const c = new TestCluster(3, { seed: 7 });
    const leader = c.waitLeader();
    expect(c.leaders()).toEqual([leader]);
    for (let i = 0; i < 10; i++) expect(c.propose(leader, `v${i}`).ok).toBe(true);
    c.tick(2);
    for (const id of c.ids) expect(c.appliedData(id)).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
  });

  it('serves ReadIndex on leader and follower', () => {
    const c = new TestCluster(3, { seed: 3 });
    const leader = c.waitLeader();
    c.propose(leader, 'x');
    c.stabilize();
    const follower = c.ids.find((id) => id !== leader)!;
    c.core(leader).readIndex('r1');
    c.core(follower).readIndex('r2');
    c.stabilize();
    expect(c.node(leader).readStates.map((r) => r.context)).toEqual(['r1']);
    expect(c.node(follower).readStates.map((r) => r.context)).toEqual(['r2']);
    expect(c.node(follower).readStates[0]!.index).toBeGreaterThanOrEqual(2);
  });

  it('catches up a lagging follower through a snapshot', () => {
    const c = new TestCluster(3, { seed: 5, config: { compactionKeepEntries: 0 } });
    const leader = c.waitLeader();
    const lagging = c.ids.find((id) => id !== leader)!;
    c.isolate(lagging);
    for (let i = 0; i < 20; i++) c.propose(leader, `e${i}`);
    c.tick(2);
    c.snapshot(leader);
    c.heal();
    c.tick(5);
    expect(c.appliedData(lagging)).toEqual(c.appliedData(leader));
    expect(c.core(lagging).status().snapshotIndex).toBeGreaterThan(0);
  });
});
