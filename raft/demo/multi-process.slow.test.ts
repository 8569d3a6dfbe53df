import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoCluster, type MemberStatus } from './demo-cluster.js';

/**
 * Three real processes (LevelDB + gRPC on loopback): elect, replicate 10,000 entries under
 * concurrent proposals, kill -9 the leader midway, a new leader takes over, no acknowledged
 * entry is lost, and the old leader restarts and catches up through InstallSnapshot because
 * the new leader compacted its log past the old leader's last entry.
 */
const targetAcked = 10_000;
const killAfterAcked = 3_000;
const proposers = 16;
const snapshotThreshold = 500;
const requestTimeoutMs = 5_000;
const phaseTimeoutMs = 120_000;

interface ProposeReply {
  readonly index?: number;
  readonly error?: { readonly raftCode: string | null; readonly leader: string | null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('raft across three processes', () => {
  let rootDir: string;
  let cluster: DemoCluster;

  beforeAll(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'raft-mp-'));
    cluster = await DemoCluster.create({
      rootDir,
      memberArgs: ['--snapshot-threshold', String(snapshotThreshold), '--compaction-keep', '100', '--tick-ms', '50'],
    });
    await cluster.startAll();
  });

  afterAll(async () => {
    cluster?.killAllNow();
    await cluster?.stopAll(1000);
    if (rootDir !== undefined) await rm(rootDir, { recursive: true, force: true });
  });

  it('refuses a data directory locked by a running member with a clear error, not a crash dump', () => {
    const second = spawnSync(process.execPath, cluster.argv('n1'), { encoding: 'utf8', timeout: 30_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`data directory ${join(rootDir, 'n1')} is already in use by another process`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
  });

  it('survives kill -9 of the leader without losing acknowledged entries, and catches the old leader up by snapshot', async () => {
    const firstLeader = await cluster.waitForLeader(30_000);
    const firstTerm = (await cluster.status(firstLeader)).term;
    const acked = new Set<string>();
    let leaderGuess = firstLeader;
    let nextKey = 0;
    let killed = false;

    const rotate = (): void => {
      const running = cluster.ids.filter((id) => cluster.isRunning(id));
      leaderGuess = running[(running.indexOf(leaderGuess) + 1) % running.length] ?? leaderGuess;
    };

    const proposeUntilAcked = async (key: string): Promise<void> => {
      const deadline = Date.now() + phaseTimeoutMs;
      while (Date.now() < deadline) {
        const target = leaderGuess;
        try {
          const { status, body } = await cluster.request<ProposeReply>(target, 'POST', `/propose?key=${key}&value=v-${key}`, undefined, requestTimeoutMs);
          if (status === 200) {
            acked.add(key);
            return;
          }
          const hint = body.error?.leader ?? null;
          if (status === 421 && hint !== null && cluster.isRunning(hint)) leaderGuess = hint;
          else if (target === leaderGuess) rotate();
          await sleep(20);
        } catch {
          if (target === leaderGuess) rotate();
          await sleep(20);
        }
      }
      throw new Error(`key ${key} not acknowledged within ${phaseTimeoutMs} ms`);
    };

    const worker = async (): Promise<void> => {
      while (nextKey < targetAcked) {
        const key = `k${nextKey++}`;
        await proposeUntilAcked(key);
        if (!killed && acked.size >= killAfterAcked) {
          killed = true;
          await cluster.kill(firstLeader, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: proposers }, worker));
    expect(killed).toBe(true);
    expect(acked.size).toBe(targetAcked);

    const survivors = cluster.ids.filter((id) => id !== firstLeader);
    const newLeader = await cluster.waitForLeader(30_000, [firstLeader]);
    expect(newLeader).not.toBe(firstLeader);
    const leaderStatus = await cluster.status(newLeader);
    expect(leaderStatus.term).toBeGreaterThan(firstTerm);
    expect(leaderStatus.snapshotsTaken).toBeGreaterThan(0);

    await cluster.start(firstLeader);
    const deadline = Date.now() + phaseTimeoutMs;
    let restarted: MemberStatus = await cluster.status(firstLeader);
    while (restarted.applied < leaderStatus.commit && Date.now() < deadline) {
      await sleep(200);
      restarted = await cluster.status(firstLeader);
    }
    expect(restarted.applied).toBeGreaterThanOrEqual(leaderStatus.commit);
    expect(restarted.snapshotsRestored).toBeGreaterThan(0);

    for (const id of [...survivors, firstLeader]) {
      const { status, body } = await cluster.request<{ keys: string[] }>(id, 'GET', '/keys', undefined, 30_000);
      expect(status).toBe(200);
      const present = new Set(body.keys);
      const lost = [...acked].filter((key) => !present.has(key));
      expect(lost, `acknowledged keys missing on ${id}`).toEqual([]);
    }
  });
});
