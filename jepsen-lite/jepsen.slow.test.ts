import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory } from './checkers/index.js';
import { HttpClient } from './client.js';
import { ClusterDb } from './cluster-db.js';
import { ClusterNemesis } from './cluster-nemesis.js';
import { realClock } from './run-context.js';
import { RUN_DEFAULTS, type RunOptions } from './run-options.js';
import { runTest } from './runner.js';

// A short jepsen-lite run against a real 3-node cluster (processes, gRPC, LevelDB, fault proxies).
const SEED = Number(process.env['JEPSEN_SEED'] ?? 4);
let db: ClusterDb;

beforeAll(async () => {
  db = await ClusterDb.fresh({ nodes: 3, log: () => undefined });
});

afterAll(async () => {
  await db?.close();
});

describe('jepsen-lite smoke (real cluster)', () => {
  it(`finds no violation under partitions, kills and pauses (seed ${SEED})`, async () => {
    const o: RunOptions = {
      ...RUN_DEFAULTS,
      name: 'smoke',
      seed: SEED,
      faults: ['partition', 'kill', 'pause'],
      timeLimitMs: 12_000,
      ratePerSec: 40,
      concurrency: 4,
      keys: ['btcusdt', 'ethusdt'],
      settleMs: 1_000,
      nemesisQuietMs: { min: 500, max: 1_500 },
      nemesisFaultMs: { min: 1_500, max: 3_000 },
    };
    const nodeUrls = Object.fromEntries(db.nodes().map((n) => [n, db.nodeUrl(n)]));
    const client = new HttpClient({ nodeUrls, requestTimeoutMs: 2_000, connectTimeoutMs: 1_000, connectionsPerNodeMax: 16, consistency: 'linearizable' });
    const lines: string[] = [];
    try {
      const out = await runTest(o, { db, nemesis: new ClusterNemesis(db.control, db.directory), client, clock: realClock(), log: (l) => lines.push(l) }, `smoke-${Date.now()}`);
      const report = checkHistory(out.history, { initialQuantities: out.initialQuantities, nodes: out.nodes, txFloor: out.txFloor });
      const nemesisLines = out.history.filter((op) => op.process === 'nemesis' && (op.value as { action?: string }).action === 'start');
      expect(nemesisLines.length, lines.join('\n')).toBeGreaterThan(0);
      expect(report.verdict, `seed ${SEED}: ${JSON.stringify(report.checkers.map((c) => [c.checker, c.verdict, c.summary]))}`).toBe('valid');
    } finally {
      await client.close();
    }
  });
});

// The other side of the proof: with `consistency=stale` reads (local state, no ReadIndex) and
// partitions, the same checker must find a linearizability violation. Without Redis, so a node
// cut off from the leader really serves its own old state (with Redis, the leader's published
// values usually make stale reads fresh; see src/cache/stock-cache.ts).
describe('jepsen-lite stale reads (real cluster, no Redis)', () => {
  let staleDb: ClusterDb;

  beforeAll(async () => {
    staleDb = await ClusterDb.fresh({ nodes: 3, redis: 'none', log: () => undefined });
  });

  afterAll(async () => {
    await staleDb?.close();
  });

  it(`reports a linearizability violation under partitions (seed ${SEED})`, async () => {
    const o: RunOptions = {
      ...RUN_DEFAULTS,
      name: 'stale',
      seed: SEED,
      faults: ['partition'],
      timeLimitMs: 15_000,
      ratePerSec: 60,
      concurrency: 6,
      keys: ['btcusdt', 'ethusdt'],
      consistency: 'stale',
      settleMs: 1_000,
      nemesisQuietMs: { min: 500, max: 1_000 },
      nemesisFaultMs: { min: 2_500, max: 4_000 },
    };
    const nodeUrls = Object.fromEntries(staleDb.nodes().map((n) => [n, staleDb.nodeUrl(n)]));
    const client = new HttpClient({ nodeUrls, requestTimeoutMs: 2_000, connectTimeoutMs: 1_000, connectionsPerNodeMax: 16, consistency: 'stale' });
    try {
      const out = await runTest(o, { db: staleDb, nemesis: new ClusterNemesis(staleDb.control, staleDb.directory), client, clock: realClock(), log: () => undefined }, `stale-${Date.now()}`);
      const report = checkHistory(out.history, { initialQuantities: out.initialQuantities, nodes: out.nodes, txFloor: out.txFloor });
      const linearizable = report.checkers.find((c) => c.checker === 'linearizable');
      expect(linearizable?.verdict, `seed ${SEED}: ${JSON.stringify(report.checkers.map((c) => [c.checker, c.verdict, c.summary]))}`).toBe('invalid');
    } finally {
      await client.close();
    }
  });
});
