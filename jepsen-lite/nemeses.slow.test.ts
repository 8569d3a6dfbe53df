import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory } from './checkers/index.js';
import { HttpClient } from './client.js';
import { ClusterDb } from './cluster-db.js';
import { ClusterNemesis } from './cluster-nemesis.js';
import { realClock } from './run-context.js';
import { RUN_DEFAULTS, type RunOptions } from './run-options.js';
import { runTest } from './runner.js';

// The clock and membership nemeses against one real 3-node cluster in lease mode (processes,
// gRPC, LevelDB, fault proxies, libfaketime): the clock runs first (they use the jepsen
// ClusterControl, which knows the original nodes), then the membership run, which replaces
// members while the workload follows.
const SEED = Number(process.env['JEPSEN_SEED'] ?? 11);
let db: ClusterDb;

beforeAll(async () => {
  db = await ClusterDb.fresh({ nodes: 3, log: () => undefined });
});

afterAll(async () => {
  await db?.close();
});

const BASE: Omit<RunOptions, 'name' | 'faults'> = {
  ...RUN_DEFAULTS,
  seed: SEED,
  timeLimitMs: 12_000,
  ratePerSec: 30,
  concurrency: 4,
  keys: ['btcusdt', 'ethusdt'],
  settleMs: 1_000,
  nemesisQuietMs: { min: 1_000, max: 1_500 },
  nemesisFaultMs: { min: 3_000, max: 4_000 },
};

interface RunSummary {
  verdict: string;
  summary: string;
  starts: unknown[];
  invalid: string[];
  /** The kinds of the orders checker's problems (the listed ones). */
  orderProblemKinds: string[];
}

async function run(o: RunOptions): Promise<RunSummary> {
  const client = new HttpClient({ nodeUrls: { [db.nodes()[0] as string]: db.nodeUrl(db.nodes()[0] as string) }, urlOf: (n) => db.directory.url(n), requestTimeoutMs: 2_000, connectTimeoutMs: 1_000, connectionsPerNodeMax: 16, consistency: 'linearizable' });
  try {
    const out = await runTest(o, { db, nemesis: new ClusterNemesis(db.control, db.directory), client, clock: realClock(), log: () => undefined }, `${o.name}-${Date.now()}`);
    const report = checkHistory(out.history, { initialQuantities: out.initialQuantities, nodes: out.nodes, txFloor: out.txFloor });
    const starts = out.history.filter((op) => op.process === 'nemesis' && (op.value as { action?: string }).action === 'start').map((op) => op.value);
    const invalid = report.checkers.filter((c) => c.verdict === 'invalid').map((c) => c.checker);
    const orders = report.checkers.find((c) => c.checker === 'orders');
    const orderProblemKinds = ((orders?.details['problems'] ?? []) as { kind: string }[]).map((p) => p.kind);
    return { verdict: report.verdict, summary: `seed ${SEED}: ${JSON.stringify(report.checkers.map((c) => [c.checker, c.verdict, c.summary]))}`, starts, invalid, orderProblemKinds };
  } finally {
    await client.close();
  }
}

describe('jepsen-lite clock and membership nemeses (real cluster)', () => {
  it(`stays valid with a leader's clock at 0.9x real time, isolated (inside the 20% lease assumption; seed ${SEED})`, async () => {
    const r = await run({ ...BASE, name: 'clock', faults: ['clock'], clockRates: [0.9] });
    expect(r.starts.length, r.summary).toBeGreaterThan(0);
    expect(r.starts.every((s) => (s as { isolated?: boolean }).isolated === true), JSON.stringify(r.starts)).toBe(true);
    expect(r.verdict, r.summary).toBe('valid');
  });

  // Far outside the assumption: the isolated leader's lease lasts 10x too long in real time, and
  // it answers reads from it after the others elected a new leader and took writes. Measured
  // before this test: caught by the first fault of every run tried (seeds 7, 8, 9 at 20 s; 7 at
  // 60 s and 120 s); more clients so that some are free to read while others wait on trades sent
  // to the isolated leader. Only reads break: a stale `GET /stocks` shows in the linearizable
  // checker, a stale `GET /orders` in the orders checker (an acknowledged number read as not
  // found: 'lost', or missing below a number already seen: 'hole'). Which of the two reads the
  // stale state first is chance (a CI run on 2 cores saw only orders); either is a stale lease
  // read caught. No trade runs twice and the final quantities match the trades.
  it(`finds stale lease reads with a leader's clock at 0.1x real time, isolated (seed ${SEED})`, async () => {
    const r = await run({ ...BASE, name: 'clock-far', faults: ['clock'], clockRates: [0.1], concurrency: 10, ratePerSec: 50 });
    expect(r.starts.length, r.summary).toBeGreaterThan(0);
    expect(r.invalid.some((c) => c === 'linearizable' || c === 'orders'), r.summary).toBe(true);
    expect(r.invalid.filter((c) => c !== 'linearizable' && c !== 'orders'), r.summary).toEqual([]);
    expect(r.orderProblemKinds.filter((kind) => kind !== 'lost' && kind !== 'hole'), r.summary).toEqual([]);
  });

  it(`stays valid while members are removed, replaced and promoted, the clients following (seed ${SEED})`, async () => {
    const before = [...db.nodes()];
    const r = await run({ ...BASE, name: 'membership', faults: ['membership'] });
    expect(r.starts.length, r.summary).toBeGreaterThan(0);
    expect(db.nodes(), 'the clients follow the changes').not.toEqual(before);
    expect(r.verdict, r.summary).toBe('valid');
  });
});
