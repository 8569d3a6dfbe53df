import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryNetwork, RaftNode, Role, silentLogger } from '../../raft/index.js';
import { encodeCommand } from './commands.js';
import type { ApplyResult } from './model.js';
import type { BazaarStateMachine } from './state-machine.js';
import { makeTempDir, openMachine, takeSnapshot, trade } from './test-support.js';

/**
 * The bazaar state machine under the real RaftNode driver (in-process network, LevelDB on
 * disk), with a low compaction threshold: compaction is a checkpoint (no copy of the state),
 * lagging and wiped followers catch up by InstallSnapshot streamed from a LevelDB view and
 * spooled to disk, many times per run, including across restarts. Every node ends with the
 * same state, byte for byte.
 */

const IDS = ['n1', 'n2', 'n3'];
const SYMBOLS = ['aaa', 'bbb', 'ccc'];
const SEED = Number(process.env['RAFT_TEST_SEED'] ?? 4242);

interface Member {
  node: RaftNode<ApplyResult>;
  machine: BazaarStateMachine;
}

async function waitFor<T>(what: string, probe: () => T | null | false | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null && value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('bazaar state machine under the Raft driver: compaction and InstallSnapshot', () => {
  let root: { dir: string; remove: () => Promise<void> };
  let network: MemoryNetwork;
  const members = new Map<string, Member>();

  async function start(id: string, seedOffset: number): Promise<Member> {
    const machine = await openMachine(join(root.dir, id, 'state'), SYMBOLS, { ordersRetainedMax: 100_000 });
    const node = await RaftNode.start<ApplyResult>({
      id,
      voters: IDS,
      dataDir: join(root.dir, id, 'raft'),
      transport: network.transport(id),
      stateMachine: machine,
      raft: { electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, snapshotThresholdEntries: 40, compactionKeepEntries: 4 },
      tickMs: 10,
      seed: SEED + IDS.indexOf(id) + seedOffset,
      logger: silentLogger,
      onFatal: (error) => {
        throw error;
      },
    });
    const member = { node, machine };
    members.set(id, member);
    return member;
  }

  async function stop(id: string): Promise<void> {
    const member = members.get(id);
    members.delete(id);
    await member?.node.stop();
    await member?.machine.close();
  }

  const leader = (): Member | null => [...members.values()].find((m) => m.node.status().role === Role.Leader) ?? null;

  async function trades(count: number, from: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const lead = await waitFor('a leader', leader);
      const command = trade(SYMBOLS[(from + i) % SYMBOLS.length] as string, 'SELL', 1, { atMs: 1_000 + from + i, key: `k${from + i}` });
      await lead.node.propose(encodeCommand(command), 10_000);
    }
  }

  beforeEach(async () => {
    root = await makeTempDir('raft-snapshots');
    network = new MemoryNetwork();
  });

  afterEach(async () => {
    for (const id of [...members.keys()]) await stop(id);
    await root.remove();
  });

  it(`lagging, restarted and wiped followers catch up by streamed snapshots (seed ${SEED})`, async () => {
    for (const [i, id] of IDS.entries()) await start(id, i);
    let sent = 0;
    let restored = 0;
    for (let round = 0; round < 3; round++) {
      const lead = await waitFor('a leader', leader);
      const victim = IDS.find((id) => id !== lead.node.status().id) as string;
      network.isolate(victim);
      await trades(120, sent);
      sent += 120;
      if (round === 1) {
        // A restart while lagging: durable state machine, log and snapshot spool survive.
        await stop(victim);
        await start(victim, 10 + round);
      }
      if (round === 2) {
        // Wiped: an empty data dir catches up from a snapshot alone.
        await stop(victim);
        await rm(join(root.dir, victim), { recursive: true, force: true });
        await start(victim, 10 + round);
      }
      const before = (members.get(victim) as Member).node.status().snapshotsRestored;
      network.heal(victim);
      await waitFor(`${victim} restored a snapshot`, () => (members.get(victim) as Member).node.status().snapshotsRestored > before);
      restored += 1;
    }
    await trades(30, sent);
    sent += 30;
    const lead = await waitFor('a leader', leader);
    const target = lead.node.status().commit; // covers every answered trade (answers may precede the leader's own apply)
    await waitFor('every node applied everything', () => [...members.values()].every((m) => m.node.status().applied >= target));
    expect(lead.node.status().snapshotsTaken).toBeGreaterThanOrEqual(5);
    expect(restored).toBe(3);
    // Same state everywhere (the snapshot encoding is canonical), every trade present once.
    const snapshots = await Promise.all([...members.values()].map((m) => takeSnapshot(m.machine)));
    for (const snap of snapshots) expect(Buffer.from(snap.data).equals(Buffer.from(snapshots[0]?.data ?? []))).toBe(true);
    const volume = SYMBOLS.reduce((sum, name) => sum + (lead.machine.getStock(name)?.volume ?? 0), 0);
    expect(volume).toBe(sent);
    for (let n = 1; n <= sent; n++) expect(await lead.machine.getOrder(n)).not.toBeNull();
    // Restored spool files were removed once a later compaction passed them (bounded disk).
    for (const id of IDS) {
      const spooled = await readdir(join(root.dir, id, 'raft.snapshots')).catch(() => []);
      expect(spooled.length).toBeLessThanOrEqual(1);
    }
  }, 60_000);
});
