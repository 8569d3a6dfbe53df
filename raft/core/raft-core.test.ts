import { describe, expect, it } from 'vitest';
import { ConfChangeType } from './conf-change.js';
import { RaftErrorCode, Role } from './types.js';
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

  it('a leader whose own removal committed takes no proposal before its next Ready steps it down (sim seed 3538)', () => {
    const c = new TestCluster(3, { seed: 21 });
    const leader = c.waitLeader();
    c.stabilize();
    const core = c.core(leader);
    const other = c.ids.find((id) => id !== leader)!;
    expect(core.proposeConfChange({ type: ConfChangeType.Remove, node: leader }).ok).toBe(true);
    c.processReadies(); // the leader's appends leave
    c.deliverAll();
    c.processReadies(); // the followers acknowledge; the leader has nothing to do yet
    c.deliverAll(); // the acknowledgements commit the removal; the leader's next Ready has not run
    expect(core.status().commit).toBeGreaterThanOrEqual(core.status().confIndex);
    expect(core.status().role).toBe(Role.Leader);
    const second = core.proposeConfChange({ type: ConfChangeType.Remove, node: other });
    expect(second.ok ? 'accepted' : second.code).toBe(RaftErrorCode.NotLeader);
    const write = core.propose(new TextEncoder().encode('late'));
    expect(write.ok ? 'accepted' : write.code).toBe(RaftErrorCode.NotLeader);
    c.processReadies();
    expect(core.status().role).not.toBe(Role.Leader);
  });

  it('answers reads waiting on a voter that the leader then removes (sim seed 1210)', () => {
    const c = new TestCluster(2, { seed: 4 });
    const leader = c.waitLeader();
    c.stabilize();
    const other = c.ids.find((id) => id !== leader)!;
    c.isolate(other);
    c.core(leader).readIndex('r1');
    c.stabilize();
    expect(c.node(leader).readStates).toEqual([]);
    expect(c.core(leader).proposeConfChange({ type: ConfChangeType.Remove, node: other }).ok).toBe(true);
    c.stabilize();
    expect(c.node(leader).readStates.map((r) => r.context)).toEqual(['r1']);
  });
});
