/**
 * CI smoke of every bench scenario (`--smoke`: about 10 s of load each) against one managed
 * cluster shared across scenarios (cache toggles restart it). No timing is asserted; the
 * structure is: the expected groups, completed + errors == sent, some 2xx in every group; and
 * for cold-burst zero errors and at most one exchange request per asset per exchange (single
 * flight: concurrent misses of one asset share one fetch).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioContext } from './bench-context.js';
import { openCluster, type ClusterHandle } from './cluster-handle.js';
import type { ResultRow } from './load/report.js';
import { parseBenchArgs } from './options.js';
import type { ColdBurstDetails } from './scenarios/cold-burst.js';
import type { KillRecovery } from './scenarios/failover-analysis.js';
import { scenarioByName } from './scenarios/index.js';
import type { ScenarioOutcome } from './scenarios/scenario.js';
import type { MinuteNodeFigures } from './scenarios/soak-metrics.js';

const SEED = Number(process.env['BENCH_SMOKE_SEED'] ?? 20_261_122);
const SCENARIO_TIMEOUT_MS = 120_000;
const CLUSTER_START_TIMEOUT_MS = 120_000;

let cluster: ClusterHandle | undefined;

beforeAll(async () => {
  process.stderr.write(`[bench smoke] seed ${SEED}\n`);
  cluster = await openCluster({ attach: false, targets: [], exchangeUrls: [], basePort: null, cacheEnabled: true });
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
}, CLUSTER_START_TIMEOUT_MS);

async function runSmoke(name: string): Promise<ScenarioOutcome> {
  if (cluster === undefined) throw new Error('cluster did not start');
  const options = parseBenchArgs([name, '--smoke', '--seed', String(SEED)]);
  const ctx = await scenarioContext(options, cluster);
  return scenarioByName(name).run(ctx);
}

/** Group totals (tag rows are "<group> / <tag>"). */
const groupRows = (o: ScenarioOutcome): ResultRow[] => o.rows.filter((r) => !r.label.includes(' / '));

function expectStructure(o: ScenarioOutcome, groups: readonly string[]): void {
  expect(groupRows(o).map((r) => r.label)).toEqual(groups);
  for (const r of o.rows) {
    expect(r.counts.completed + r.counts.errors, `${r.label}: completed + errors == sent`).toBe(r.counts.sent);
    expect(r.counts.ok + r.counts.non2xx, `${r.label}: ok + non-2xx == completed`).toBe(r.counts.completed);
  }
  for (const r of groupRows(o)) expect(r.counts.ok, `${r.label}: some 2xx`).toBeGreaterThan(0);
}

describe('bench scenarios, --smoke, one managed cluster', () => {
  // First, while the cluster is young: the burst needs cold assets no exchange has quoted yet.
  it('cold-burst: zero errors, at most one exchange request per asset per exchange', async () => {
    const o = await runSmoke('cold-burst');
    expectStructure(o, ['1000 concurrent']);
    const row = groupRows(o)[0];
    expect(row?.counts.sent).toBe(1000);
    expect(row?.counts.errors).toBe(0);
    const d = o.details as ColdBurstDetails;
    expect.soft(d.serverErrors, `5xx answers: ${JSON.stringify(row?.counts.byStatus)}`).toBe(0);
    expect(d.assetsNeverQuoted).toBe(true);
    expect(d.exchanges).toHaveLength(3);
    for (const e of d.exchanges) {
      expect(e.assetsFetched, `${e.url} quoted some burst assets`).toBeGreaterThan(0);
      expect.soft(e.maxPerAsset, `${e.url}: quotes of one asset`).toBeLessThanOrEqual(1);
    }
  }, SCENARIO_TIMEOUT_MS);

  it('prices-tiers: hot, medium and cold groups', async () => {
    expectStructure(await runSmoke('prices-tiers'), ['hot', 'medium', 'cold']);
  }, SCENARIO_TIMEOUT_MS);

  it('price-stream: SSE clients on a follower receive the published prices, none dropped', async () => {
    const o = await runSmoke('price-stream');
    expectStructure(o, ['50 SSE clients, publish-to-receive']);
    expect(o.details?.['dropped']).toBe(0);
  }, SCENARIO_TIMEOUT_MS);

  it('trades: 1/16/64 clients through the leader and a follower', async () => {
    const counts = [1, 16, 64];
    expectStructure(await runSmoke('trades'), [...counts.map((c) => `via leader, ${c} clients`), ...counts.map((c) => `via follower, ${c} clients`)]);
  }, SCENARIO_TIMEOUT_MS);

  it('failover: two leader kills, each followed by an acknowledged trade', async () => {
    const o = await runSmoke('failover');
    expectStructure(o, ['trades, 16 clients, 2 leader kills']);
    const recoveries = (o.details?.['recoveries'] ?? []) as KillRecovery[];
    expect(recoveries).toHaveLength(2);
    for (const r of recoveries) expect(r.recoveryMs, `kill ${r.kill} of ${r.nodeId}`).not.toBeNull();
  }, SCENARIO_TIMEOUT_MS);

  it('stocks-read: leader, follower and stale follower reads, cache on and off', async () => {
    const routes = ['leader', 'follower', 'follower stale'];
    expectStructure(await runSmoke('stocks-read'), ['cache on', 'cache off'].flatMap((c) => routes.map((r) => `${c}, ${r}`)));
  }, SCENARIO_TIMEOUT_MS);

  it('bazaar-session: p = 0..0.8, cache off and on', async () => {
    const ps = [0, 0.2, 0.4, 0.6, 0.8];
    const o = await runSmoke('bazaar-session');
    expectStructure(o, [...ps.map((p) => `cache off, p=${p}`), ...ps.map((p) => `cache on, p=${p}`)]);
    for (const p of ps.slice(1)) expect(o.rows.some((r) => r.label === `cache on, p=${p} / trade` && r.counts.ok > 0)).toBe(true);
  }, SCENARIO_TIMEOUT_MS);

  it('soak: two 5-s windows of trades and reads, every node sampled in every window', async () => {
    const o = await runSmoke('soak');
    expectStructure(o, [1, 2].flatMap((w) => [`window ${w} trades 64 clients`, `window ${w} reads 16 clients`]));
    const windows = (o.details?.['windows'] ?? []) as { nodes: MinuteNodeFigures[]; machineBusyPct: number }[];
    expect(windows).toHaveLength(2);
    for (const w of windows) {
      expect(w.nodes).toHaveLength(3);
      expect(w.machineBusyPct).toBeGreaterThan(0);
      for (const n of w.nodes) {
        expect(n.term).toBeGreaterThanOrEqual(1);
        expect(n.rssMiB).toBeGreaterThan(0);
        expect(n.loopDelayMaxMs).not.toBeNull();
        expect(n.cpuPct).toBeGreaterThan(0);
      }
    }
    expect(o.markdown).toContain('| 2 |');
  }, SCENARIO_TIMEOUT_MS);
});
