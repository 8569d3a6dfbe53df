import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfChangeType } from '../core/conf-change.js';
import { Role } from '../core/types.js';
import { KvStateMachine, encodePut } from '../demo/kv-state-machine.js';
import { MemoryNetwork } from './memory-transport.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { silentLogger } from './raft-logger.js';
import { RaftNode, type MembersView } from './raft-node.js';

const seedBase = Number(process.env['RAFT_TEST_SEED'] ?? 4321);
console.log(`raft-node-members.test seed base ${seedBase} (set RAFT_TEST_SEED to replay)`);

type Node = RaftNode<{ previous: string | null }>;
interface Member {
  node: Node;
  sm: KvStateMachine;
  changes: MembersView[];
}

async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== null && value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('RaftNode membership changes (in-memory network, real LevelDB)', () => {
  let root: string;
  let network: MemoryNetwork;
  const members = new Map<string, Member>();

  async function start(id: string, voters: string[], learners: string[] = [], seed = 0): Promise<Member> {
    const sm = new KvStateMachine();
    const changes: MembersView[] = [];
    const node: Node = await RaftNode.start({
      id, voters, learners, dataDir: join(root, id), transport: network.transport(id), stateMachine: sm,
      raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, snapshotThresholdEntries: 20, compactionKeepEntries: 0 },
      tickMs: 10, seed: seedBase + seed, logger: silentLogger,
      onFatal: (error) => {
        throw error;
      },
    });
    node.on('members-change', (m) => changes.push(m));
    const member = { node, sm, changes };
    members.set(id, member);
    return member;
  }

  const leader = (): Member | undefined => [...members.values()].find((m) => m.node.status().role === Role.Leader);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'raft-members-'));
    network = new MemoryNetwork();
    members.clear();
  });

  afterEach(async () => {
    for (const m of members.values()) await m.node.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('replaces a member: learner catches up through a snapshot, is promoted, the old one removed; survives restart', async () => {
    const boot = ['n1', 'n2', 'n3'];
    for (const [i, id] of boot.entries()) await start(id, boot, [], i);
    const lead = await waitFor('a leader', leader);
    for (let i = 0; i < 50; i++) await lead.node.propose(encodePut(`k${i}`, `v${i}`));
    await waitFor('a snapshot on the leader', () => lead.node.status().snapshotIndex > 0);

    const tooEarly = await lead.node.proposeConfChange({ type: ConfChangeType.Promote, node: 'n4' }).catch((e: unknown) => e);
    expect((tooEarly as RaftError).code).toBe(RaftDriverErrorCode.ConfChangeInvalid);
    await lead.node.proposeConfChange({ type: ConfChangeType.AddLearner, node: 'n4' });
    expect(lead.node.members().learners).toEqual(['n4']);
    const n4 = await start('n4', lead.node.members().voters.slice(), ['n4'], 4);
    await waitFor('n4 to catch up', () => n4.sm.get('k49') === 'v49');
    expect(n4.node.status().snapshotsRestored).toBe(1);
    expect(n4.node.status().role).toBe(Role.Follower);

    await lead.node.proposeConfChange({ type: ConfChangeType.Promote, node: 'n4' });
    const gone = boot.find((id) => id !== lead.node.status().id) as string;
    await lead.node.proposeConfChange({ type: ConfChangeType.Remove, node: gone });
    const expected = boot.filter((id) => id !== gone).concat('n4');
    expect(lead.node.members().voters).toEqual(expected);
    await waitFor('n4 to see the new configuration', () => n4.node.members().voters.length === 3 && n4.node.members().learners.length === 0);
    expect(n4.changes.at(-1)?.voters).toEqual(expected);
    await members.get(gone)?.node.stop();
    members.delete(gone);

    await lead.node.propose(encodePut('after', 'replace'));
    await waitFor('n4 to apply after the replacement', () => n4.sm.get('after') === 'replace');
    await n4.node.stop();
    members.delete('n4');
    const again = await start('n4', ['n1'], ['n4'], 40); // bootstrap config is ignored: the log and snapshot say otherwise
    expect(again.node.members().voters).toEqual(expected);
  });

  it('removes the leader: the change resolves on it, it hands over and never campaigns again', async () => {
    const boot = ['n1', 'n2', 'n3'];
    for (const [i, id] of boot.entries()) await start(id, boot, [], 20 + i);
    const lead = await waitFor('a leader', leader);
    await lead.node.propose(encodePut('a', '1'));
    const oldId = lead.node.status().id;
    await lead.node.proposeConfChange({ type: ConfChangeType.Remove, node: oldId });
    const next = await waitFor('a new leader', () => [...members.values()].find((m) => m !== lead && m.node.status().role === Role.Leader));
    expect(next.node.members().voters).toEqual(boot.filter((id) => id !== oldId));
    await next.node.propose(encodePut('b', '2'));
    await new Promise((r) => setTimeout(r, 400)); // 40 ticks: several election timeouts
    expect(lead.node.status().role).toBe(Role.Follower);
    expect(next.node.status().role).toBe(Role.Leader);
  });

  it('refuses a second change while one is uncommitted, and changes on a follower', async () => {
    const boot = ['n1', 'n2', 'n3'];
    for (const [i, id] of boot.entries()) await start(id, boot, [], 10 + i);
    const lead = await waitFor('a leader', leader);
    await lead.node.propose(encodePut('a', '1'));
    const follower = [...members.values()].find((m) => m !== lead) as Member;
    const notLeader = await follower.node.proposeConfChange({ type: ConfChangeType.AddLearner, node: 'n9' }).catch((e: unknown) => e);
    expect((notLeader as RaftError).code).toBe(RaftDriverErrorCode.NotLeader);
    const first = lead.node.proposeConfChange({ type: ConfChangeType.AddLearner, node: 'n9' });
    const second = await lead.node.proposeConfChange({ type: ConfChangeType.AddLearner, node: 'n8' }).catch((e: unknown) => e);
    expect((second as RaftError).code).toBe(RaftDriverErrorCode.ConfChangeInProgress);
    await first;
  });
});
