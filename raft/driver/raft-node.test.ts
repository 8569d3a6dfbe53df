import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RaftConfig } from '../core/config.js';
import { Role, type Entry } from '../core/types.js';
import { KvStateMachine, encodePut, type KvResult } from '../demo/kv-state-machine.js';
import { MemoryNetwork } from './memory-transport.js';
import { RaftDriverErrorCode, RaftError } from '../errors/raft-errors.js';
import { silentLogger } from './raft-logger.js';
import { RaftNode } from './raft-node.js';
import { LevelLogStorage } from '../storage/level-log-storage.js';

const ids = ['n1', 'n2', 'n3'];
const seedBase = Number(process.env['RAFT_TEST_SEED'] ?? 1234);
console.log(`raft-node.test seed base ${seedBase} (set RAFT_TEST_SEED to replay)`);

interface Member {
  node: RaftNode<{ previous: string | null }>;
  sm: KvStateMachine;
  fsyncEntries: number[];
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

/**
 * A machine that reports its results as soon as it computed them (as Bazaar's does, before its
 * LevelDB write), then finishes its "write" only when the test releases it.
 */
class HeldWriteMachine extends KvStateMachine {
  private writeGate: Promise<void> | null = null;

  /** Holds every write from now on; the returned function releases them. */
  holdWrites(): () => void {
    let release: () => void = () => undefined;
    this.writeGate = new Promise((resolve) => (release = resolve));
    return () => {
      this.writeGate = null;
      release();
    };
  }

  override async apply(entries: readonly Entry[], onResults?: (results: readonly KvResult[]) => void): Promise<KvResult[]> {
    const results = await super.apply(entries);
    onResults?.(results);
    if (this.writeGate !== null) await this.writeGate;
    return results;
  }
}

const nextTurns = async (count: number): Promise<void> => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('RaftNode (3 drivers, in-memory network, real LevelDB)', () => {
  let root: string;
  let network: MemoryNetwork;
  let members: Map<string, Member>;
  let raftOverrides: Partial<Omit<RaftConfig, 'id' | 'voters'>>;

  async function startMember(id: string, seedOffset = 0, keptSm?: KvStateMachine): Promise<Member> {
    const sm = keptSm ?? new KvStateMachine();
    const fsyncEntries: number[] = [];
    const node = await RaftNode.start({
      id,
      voters: ids,
      dataDir: join(root, id),
      transport: network.transport(id),
      stateMachine: sm,
      raft: raftOverrides,
      tickMs: 10,
      seed: seedBase + ids.indexOf(id) + seedOffset,
      logger: silentLogger,
      metrics: { onFsync: (_ms, entries) => fsyncEntries.push(entries) },
      onFatal: (error) => {
        throw error;
      },
    });
    const member = { node, sm, fsyncEntries };
    members.set(id, member);
    return member;
  }

  async function startAll(): Promise<void> {
    for (const id of ids) await startMember(id);
  }

  function leader(): Member | null {
    const leaders = [...members.values()].filter((m) => m.node.status().role === Role.Leader);
    return leaders.length === 1 ? (leaders[0] as Member) : null;
  }

  const follower = (lead: Member): Member => [...members.values()].find((m) => m !== lead) as Member;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'raft-node-'));
    network = new MemoryNetwork();
    members = new Map();
    raftOverrides = { electionTimeoutTicks: 10, heartbeatIntervalTicks: 1 };
  });

  afterEach(async () => {
    for (const m of members.values()) await m.node.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('elects a leader, commits proposals with state machine results, applies everywhere', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    const first = await lead.node.propose(encodePut('a', '1'));
    const second = await lead.node.propose(encodePut('a', '2'));
    expect(first.result).toEqual({ previous: null });
    expect(second.result).toEqual({ previous: '1' });
    expect(second.index).toBe(first.index + 1);
    await waitFor('all applied', () => [...members.values()].every((m) => m.sm.get('a') === '2'));
    const changes: string[] = [];
    lead.node.on('applied', ({ index }) => changes.push(`applied ${index}`));
    await lead.node.propose(encodePut('b', 'x'));
    expect(changes.length).toBeGreaterThan(0);
  });

  it('rejects proposals on a follower with NOT_LEADER and a leader hint', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    const other = follower(lead);
    await waitFor('follower knows leader', () => other.node.status().leader !== null);
    const error = await other.node.propose(encodePut('k', 'v')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaftError);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.NotLeader);
    expect((error as RaftError).leader).toBe(lead.node.status().id);
  });

  it('serves linearizable read barriers on leader and follower', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    const { index } = await lead.node.propose(encodePut('r', 'seen'));
    const other = follower(lead);
    const followerRead = await other.node.readIndex(5000);
    expect(followerRead).toBeGreaterThanOrEqual(index);
    expect(other.sm.get('r')).toBe('seen');
    expect(await lead.node.readIndex(5000)).toBeGreaterThanOrEqual(index);
  });

  it('answers a proposal when the machine reports its results, before its write; reads wait for the write', async () => {
    for (const id of ids) await startMember(id, 0, new HeldWriteMachine());
    const lead = await waitFor('a leader', leader);
    await lead.node.propose(encodePut('warm', 'up'));
    const release = (lead.sm as HeldWriteMachine).holdWrites();
    const answered = await lead.node.propose(encodePut('w', '1'));
    expect(answered.result).toEqual({ previous: null });
    // The driver's applied index (what read barriers wait for) stays behind the held write.
    expect(lead.node.status().applied).toBeLessThan(answered.index);
    let readIndex: number | null = null;
    const read = lead.node.readIndex(5000).then((index) => (readIndex = index));
    await nextTurns(20);
    expect(readIndex).toBeNull();
    release();
    expect(await read).toBeGreaterThanOrEqual(answered.index);
    expect(lead.node.status().applied).toBeGreaterThanOrEqual(answered.index);
  });

  it('shares one fsync among proposals queued in the same turn (group commit)', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    await lead.node.propose(encodePut('warm', 'up'));
    lead.fsyncEntries.length = 0;
    const batch = Array.from({ length: 50 }, (_, i) => lead.node.propose(encodePut(`g${i}`, String(i))));
    await Promise.all(batch);
    expect(Math.max(...lead.fsyncEntries)).toBe(50);
  });

  it('recovers acknowledged entries after a restart of every node', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    for (let i = 0; i < 20; i++) await lead.node.propose(encodePut(`k${i}`, `v${i}`));
    const term = lead.node.status().term;
    for (const m of members.values()) await m.node.stop();
    members.clear();
    for (const id of ids) await startMember(id, 100);
    const lead2 = await waitFor('a new leader', leader);
    expect(lead2.node.status().term).toBeGreaterThan(term);
    await lead2.node.readIndex(5000);
    for (let i = 0; i < 20; i++) expect(lead2.sm.get(`k${i}`)).toBe(`v${i}`);
  });

  it('skips entries a state machine kept across restart (no double apply), then compacts', async () => {
    raftOverrides = { ...raftOverrides, snapshotThresholdEntries: 30, compactionKeepEntries: 5 };
    await startAll();
    const lead = await waitFor('a leader', leader);
    for (let i = 0; i < 25; i++) await lead.node.propose(encodePut(`d${i}`, `v${i}`));
    const kept = new Map([...members].map(([id, m]) => [id, m.sm]));
    for (const m of members.values()) await m.node.stop();
    members.clear();
    const appliedBefore = new Map([...kept].map(([id, sm]) => [id, sm.stats().applied]));
    expect(Math.max(...appliedBefore.values())).toBeGreaterThanOrEqual(26);
    // Check each member as it starts: once a quorum is up, a new leader's entry may be applied.
    for (const id of ids) {
      await startMember(id, 200, kept.get(id));
      expect(members.get(id)?.node.status().applied).toBe(appliedBefore.get(id));
    }
    const lead2 = await waitFor('a new leader', leader);
    for (let i = 25; i < 60; i++) await lead2.node.propose(encodePut(`d${i}`, `v${i}`));
    await waitFor('a snapshot after restart', () => lead2.node.status().snapshotsTaken > 0);
    for (let i = 0; i < 60; i++) expect(lead2.sm.get(`d${i}`)).toBe(`v${i}`);
  });

  it('accepts a state machine ahead of a lost commit-only write, refuses one beyond the stored log', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    for (let i = 0; i < 10; i++) await lead.node.propose(encodePut(`c${i}`, `v${i}`));
    const victim = follower(lead);
    const victimId = victim.node.status().id;
    await waitFor('the follower applied everything', () => victim.node.status().applied >= lead.node.status().applied);
    const keptSm = victim.sm;
    const applied = keptSm.stats().applied;
    await victim.node.stop();
    members.delete(victimId);
    // Simulate a power loss that kept the state machine's write but lost the newest commit index.
    const storage = await LevelLogStorage.open(join(root, victimId));
    const { hardState } = await storage.load();
    await storage.persistReady({ hardState: { ...hardState, commit: 1 }, snapshot: null, entries: [] });
    await storage.close();
    const back = await startMember(victimId, 300, keptSm);
    expect(back.node.status().applied).toBe(applied);
    expect(back.node.status().commit).toBeGreaterThanOrEqual(applied);
    await back.node.stop();
    members.delete(victimId);
    // A state machine beyond everything the log holds belongs to another data directory.
    await rm(join(root, victimId), { recursive: true, force: true });
    await expect(startMember(victimId, 400, keptSm)).rejects.toMatchObject({ code: RaftDriverErrorCode.StorageCorrupt });
  });

  it('writes no commit-only hard state on its own: it rides with the next write, and stop writes the last one', async () => {
    await startAll();
    const lead = await waitFor('a leader', leader);
    await lead.node.propose(encodePut('warm', 'up'));
    const victim = follower(lead);
    await waitFor('the follower applied the warm-up', () => victim.node.status().applied >= lead.node.status().applied);
    victim.fsyncEntries.length = 0;
    for (let i = 0; i < 10; i++) await lead.node.propose(encodePut(`w${i}`, `v${i}`));
    await waitFor('the follower applied everything', () => victim.node.status().applied >= lead.node.status().applied);
    // The follower learned each commit from a later append or a commit-only one: every write it
    // made carried entries, none was a hard state alone.
    expect(victim.fsyncEntries.length).toBeGreaterThan(0);
    expect(victim.fsyncEntries.filter((entries) => entries === 0)).toEqual([]);
    const applied = victim.node.status().applied;
    const victimId = victim.node.status().id;
    await victim.node.stop();
    members.delete(victimId);
    const storage = await LevelLogStorage.open(join(root, victimId));
    expect((await storage.load()).hardState.commit).toBe(applied);
    await storage.close();
  });

  it('compacts the log and catches a lagging follower up through a snapshot', async () => {
    raftOverrides = { ...raftOverrides, snapshotThresholdEntries: 20, compactionKeepEntries: 5 };
    await startAll();
    const lead = await waitFor('a leader', leader);
    const lagging = follower(lead);
    const laggingId = lagging.node.status().id;
    network.isolate(laggingId);
    for (let i = 0; i < 100; i++) await lead.node.propose(encodePut(`s${i}`, `v${i}`));
    expect(lead.node.status().snapshotsTaken).toBeGreaterThan(0);
    expect(lead.node.status().firstIndex).toBeGreaterThan(lagging.node.status().lastIndex);
    network.heal(laggingId);
    await waitFor('lagging node restored a snapshot', () => lagging.node.status().snapshotsRestored > 0);
    const { index } = await lead.node.propose(encodePut('after', 'heal'));
    await waitFor('lagging node applied the tail', () => lagging.node.status().applied >= index);
    for (let i = 0; i < 100; i++) expect(lagging.sm.get(`s${i}`)).toBe(`v${i}`);
    expect(lagging.sm.get('after')).toBe('heal');
    // An in-memory machine restarts empty: the spooled snapshot (kept until a local compaction
    // passes it) and the log tail rebuild it.
    await lagging.node.stop();
    members.delete(laggingId);
    const back = await startMember(laggingId, 500);
    expect(back.node.status().applied).toBeGreaterThanOrEqual(back.node.status().snapshotIndex);
    expect(back.node.status().snapshotIndex).toBeGreaterThan(0);
    await waitFor('restarted node applied the tail', () => back.node.status().applied >= index);
    for (let i = 0; i < 100; i++) expect(back.sm.get(`s${i}`)).toBe(`v${i}`);
  });

  it('rejects a deposed leader\'s uncommitted proposal with PROPOSAL_DROPPED, and times out unanswered ones', async () => {
    await startAll();
    const old = await waitFor('a leader', leader);
    await old.node.propose(encodePut('base', '0'));
    const oldId = old.node.status().id;
    network.isolate(oldId);
    const doomed = old.node.propose(encodePut('lost', 'x'), 20_000).catch((e: unknown) => e);
    const timedOut = await old.node.propose(encodePut('slow', 'y'), 50).catch((e: unknown) => e);
    expect((timedOut as RaftError).code).toBe(RaftDriverErrorCode.Timeout);
    const others = [...members.values()].filter((m) => m !== old);
    const fresh = await waitFor('a new leader', () => others.find((m) => m.node.status().role === Role.Leader));
    for (let i = 0; i < 5; i++) await fresh.node.propose(encodePut(`new${i}`, String(i)));
    network.heal(oldId);
    const error = await doomed;
    expect(error).toBeInstanceOf(RaftError);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.ProposalDropped);
    await waitFor('old leader caught up', () => old.sm.get('new4') === '4');
    expect(old.sm.get('lost')).toBeNull();
  });

  it('fails a read barrier with NO_LEADER when no leader is known', async () => {
    const lonely = await startMember('n1');
    const error = await lonely.node.readIndex(5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaftError);
    expect((error as RaftError).code).toBe(RaftDriverErrorCode.NoLeader);
  });

  it('validates options up front with precise messages', async () => {
    const attempt = RaftNode.start({
      id: 'n1',
      voters: ids,
      dataDir: join(root, 'bad'),
      transport: network.transport('n1'),
      stateMachine: new KvStateMachine(),
      tickMs: 0,
    });
    await expect(attempt).rejects.toThrow('tickMs must be an integer >= 1, got 0');
  });
});
