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
      const out = await runTest(o, { db, nemesis: new ClusterNemesis(db.control), client, clock: realClock(), log: (l) => lines.push(l) }, `smoke-${Date.now()}`);
      const report = checkHistory(out.history, { initialQuantities: out.initialQuantities, nodes: out.nodes, txFloor: out.txFloor });
      const nemesisLines = out.history.filter((op) => op.process === 'nemesis' && (op.value as { action?: string }).action === 'start');
      expect(nemesisLines.length, lines.join('\n')).toBeGreaterThan(0);
      expect(report.verdict, `seed ${SEED}: ${JSON.stringify(report.checkers.map((c) => [c.checker, c.verdict, c.summary]))}`).toBe('valid');
    } finally {
      await client.close();
    }
  });
});
