import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../common/rng.js';
import { getStockEventually } from './testing/bazaar-http.js';
import { NodeCluster, sleep } from './testing/node-processes.js';
import { auditOrders } from './testing/order-audit.js';
import { TradeLedger, testSeed } from './testing/trade-ledger.js';
import { TradeStream } from './testing/trade-stream.js';

/**
 * Replace a dead node end to end, on real node processes and the admin API: trades running,
 * kill -9 n2, wipe its data, remove n2, add n4 as a learner (it catches up through a snapshot:
 * compaction every 150 entries), promote n4; every acknowledged trade is in the order log and
 * the quantities agree on every member.
 */

const SYMBOLS = ['aapl', 'msft', 'goog', 'amzn'];
const INITIAL_QUANTITY = 100;
const SEED = testSeed();
const CLIENT_TIMEOUT_MS = 5_000;
/** Bound on one admin call's retries (503 while a change is in flight or a leader is new). */
const ADMIN_DEADLINE_MS = 30_000;

interface AdminReply {
  readonly status: number;
  readonly body: { data?: unknown; error?: { code: number; message: string } };
}

let cluster: NodeCluster | null = null;
/** Members that know they are in the configuration (a joiner knows no leader until it is added). */
let inConfig = ['n1', 'n2', 'n3'];
let failed = false;

function c(): NodeCluster {
  if (cluster === null) throw new Error('cluster not started');
  return cluster;
}

async function admin(method: string, path: string, body?: unknown): Promise<AdminReply> {
  const deadline = Date.now() + ADMIN_DEADLINE_MS;
  for (;;) {
    const leader = await c().waitForLeader({ among: inConfig.filter((id) => c().isRunning(id)) });
    const res = await fetch(`${c().url(leader)}${path}`, {
      method,
      headers: { 'x-cluster-token': c().token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(ADMIN_DEADLINE_MS),
    });
    const reply = { status: res.status, body: (await res.json()) as AdminReply['body'] };
    const retry = res.status === 503 || (res.status === 409 && /not caught up|LEARNER_NOT_CAUGHT_UP/.test(reply.body.error?.message ?? ''));
    if (!retry || Date.now() > deadline) return reply;
    await sleep(200);
  }
}

async function snapshotsRestored(id: string): Promise<number> {
  const text = await (await fetch(`${c().url(id)}/metrics`)).text();
  const m = /^bazaar_raft_snapshots_total\{kind="restored"\} (\d+)/m.exec(text);
  return Number(m?.[1] ?? 0);
}

beforeAll(async () => {
  console.log(`member-replace slow test seed ${SEED} (set BAZAAR_TEST_SEED to replay)`);
  cluster = await NodeCluster.start({ size: 3, symbols: SYMBOLS, redisUrl: null, env: { RAFT_SNAPSHOT_THRESHOLD_ENTRIES: '150', RAFT_COMPACTION_KEEP_ENTRIES: '20' } });
  await cluster.waitForLeader();
});

afterAll(async () => {
  if (failed && cluster !== null) console.log(`node logs kept in ${cluster.dir}`);
  await cluster?.close({ keepDir: failed });
});

describe('replacing a dead member', () => {
  it('kill -9 n2, wipe, remove n2, add n4 as learner (snapshot), promote: no acknowledged trade lost', async (context) => {
    context.onTestFailed(() => {
      failed = true;
    });
    const ledger = new TradeLedger(INITIAL_QUANTITY);
    const stream = new TradeStream({
      clients: 4, names: SYMBOLS, rng: createRng(SEED), targets: () => c().running().map((id) => c().url(id)),
      ledger, requestTimeoutMs: CLIENT_TIMEOUT_MS, tradesMax: 2_000, quantityMax: 3,
    });
    try {
      await sleep(1_000);
      await c().kill('n2', 'SIGKILL');
      await c().wipe('n2');
      inConfig = ['n1', 'n3'];
      const removed = await admin('DELETE', '/cluster/members/n2');
      expect(removed.status, JSON.stringify(removed.body)).toBe(200);
      await sleep(3_000); // trades on two voters; the leader compacts its log

      const voters = ['n1', 'n3'];
      await c().startJoiner('n4', voters);
      const added = await admin('POST', '/cluster/members', { id: 'n4', address: c().grpcAddress('n4') });
      expect(added.status, JSON.stringify(added.body)).toBe(200);
      inConfig = ['n1', 'n3', 'n4'];
      const promoted = await admin('POST', '/cluster/members', { id: 'n4', role: 'voter' });
      expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
      expect(await snapshotsRestored('n4')).toBeGreaterThanOrEqual(1);
      const list = await admin('GET', '/cluster/members');
      const members = (list.body.data as { members: { id: string; role: string }[] }).members;
      expect(members.map((m) => `${m.id}:${m.role}`).sort()).toEqual(['n1:voter', 'n3:voter', 'n4:voter']);
      await sleep(2_000); // trades with n4 voting
    } finally {
      await stream.stop();
    }
    console.log(`acked ${ledger.acked.length}, refused ${ledger.refused.length}, indeterminate ${ledger.indeterminate.length}`);
    expect(ledger.acked.length).toBeGreaterThan(50);

    const leader = await c().waitForLeader();
    const audit = await auditOrders(c().url(leader), ledger, 1);
    expect(audit.problems).toEqual([]);
    const view = await c().clusterView(leader);
    for (const id of ['n1', 'n3', 'n4']) await c().waitApplied(id, view?.commit_index ?? 0);
    for (const name of SYMBOLS) {
      const reads = await Promise.all(['n1', 'n3', 'n4'].map((id) => getStockEventually(c().url(id), name, { stale: true })));
      for (const r of reads) expect({ quantity: r.quantity, volume: r.volume }).toEqual({ quantity: audit.quantityOf(name), volume: audit.volumeOf(name) });
    }
    const clusterOfN4 = (await (await fetch(`${c().url('n4')}/cluster`)).json()) as { voters: string[]; learners: string[] };
    expect([...clusterOfN4.voters].sort()).toEqual(['n1', 'n3', 'n4']);
    expect(clusterOfN4.learners).toEqual([]);
  });
});
