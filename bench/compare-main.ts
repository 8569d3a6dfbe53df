/**
 * `npm run bench:compare [-- options]`: baselines and the matching Bazaar loads in one run.
 * Reads: bare Fastify + ioredis (one Redis GET per request) vs Bazaar, loaded like stocks-read
 * and prices-tiers' hot group. Trades: a 3-member etcd (when `etcd` is on PATH) vs Bazaar's
 * POST /orders at 1, 16 and 64 clients. Writes bench/results/<time>/report.{md,json}.
 */
import { Redis } from 'ioredis';
import { renderReport, saveReport, scenarioContext, type ReportSection } from './bench-context.js';
import { startBaselineServer } from './baselines/baseline-process.js';
import { ETCD_MISSING_MESSAGE, etcdPutRequests, findEtcd, startEtcdCluster } from './baselines/etcd-cluster.js';
import { seedBaselineData } from './baselines/fastify-redis-server.js';
import { openCluster, type ClusterHandle } from './cluster-handle.js';
import { formatComparisonTable, type Comparison } from './compare-table.js';
import { machineInfo, rowsOfGroup, type ResultRow } from './load/report.js';
import type { GroupSpec } from './load/types.js';
import { parseBenchArgs, type BenchOptions } from './options.js';
import { baseSpec, warmUp, type ScenarioContext } from './scenarios/scenario.js';
import { loadGroup, priceGets, stockLookups, STOCKS_READ_CONNECTIONS, TRADE_CLIENT_COUNTS, tierSymbols, tradeMix } from './scenarios/workloads.js';
import { RedisServer } from '../src/cache/redis-server.js';

export const ETCD_KEYS = 1000;
const LEADER_WAIT_MS = 10_000;

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const cluster = await tryOpenCluster(options);
  const ctx = await scenarioContext(options, cluster.handle ?? detachedHandle());
  const comparisons: Comparison[] = [];
  const sections: ReportSection[] = [];
  const notes: string[] = cluster.problem === null ? [] : [`Bazaar not measured: ${cluster.problem}`];
  try {
    const reads = await compareReads(ctx, cluster.handle, notes);
    comparisons.push(...reads.comparisons);
    sections.push({ title: 'reads (raw)', outcome: { rows: reads.rows, notes: [] } });
    const writes = await compareTrades(ctx, cluster.handle, notes);
    comparisons.push(...writes.comparisons);
    sections.push({ title: 'trades (raw)', outcome: { rows: writes.rows, notes: [] } });
  } finally {
    await cluster.handle?.stop();
  }
  const machine = machineInfo();
  const command = `npm run bench:compare -- ${process.argv.slice(2).join(' ')}`.trim();
  const summary = ['## Ratios (Bazaar / baseline)', '', formatComparisonTable(comparisons), '', ...notes.map((n) => `- ${n}`)].join('\n');
  const markdown = renderReport('Bazaar vs baselines', command, machine, options.seed, sections, summary);
  process.stdout.write(`${markdown}\n`);
  await saveReport(options, markdown, { kind: 'compare', command, machine, options, comparisons, sections, notes });
}

async function tryOpenCluster(options: BenchOptions): Promise<{ handle: ClusterHandle | null; problem: string | null }> {
  try {
    const handle = await openCluster({ attach: options.attach, targets: options.targets, exchangeUrls: options.exchangeUrls, basePort: options.basePort, cacheEnabled: options.cache ?? true, cpuProfDir: options.cpuProfDir });
    const first = handle.nodeUrls()[0];
    const res = await fetch(`${first}/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`${first}/health answered ${res.status}`);
    return { handle, problem: null };
  } catch (err) {
    return { handle: null, problem: (err as Error).message };
  }
}

function detachedHandle(): ClusterHandle {
  const no = (): Promise<never> => Promise.reject(new Error('no Bazaar cluster'));
  return { managed: false, cacheEnabled: null, nodeUrls: () => [], exchangeUrls: () => [], leaderUrl: no, killLeader: no, restartNode: no, setCache: no, flushCache: () => Promise.resolve(false), stop: () => Promise.resolve() };
}

async function measure(ctx: ScenarioContext, scenario: string, group: GroupSpec, durationMs: number): Promise<ResultRow> {
  const result = await ctx.runLoad({ ...baseSpec(ctx, durationMs), groups: [group] });
  const g = result.groups[0];
  if (g === undefined) throw new Error('load returned no group');
  const row = rowsOfGroup(scenario, g, result.generatorCpu)[0];
  if (row === undefined) throw new Error('no result row');
  return row;
}

async function compareReads(ctx: ScenarioContext, cluster: ClusterHandle | null, notes: string[]): Promise<{ comparisons: Comparison[]; rows: ResultRow[] }> {
  const hot = tierSymbols(ctx.symbols).hot;
  const conns = ctx.options.connections ?? (ctx.options.smoke ? 10 : STOCKS_READ_CONNECTIONS);
  const loads = [
    { name: `stocks-read, ${conns} conns`, requests: stockLookups(hot) },
    { name: `prices hot, ${conns} conns`, requests: priceGets(hot, 'hot') },
  ];
  const phaseMs = ctx.phaseMs(loads.length * 2);
  const redis = await RedisServer.start();
  const rows: ResultRow[] = [];
  const baselineRows: ResultRow[] = [];
  try {
    const client = new Redis(redis.url);
    await seedBaselineData(client, ctx.symbols);
    await client.quit();
    const server = await startBaselineServer(redis.url);
    try {
      for (const l of loads) {
        await warmUp(ctx, [server.url], { kind: 'pick', requests: l.requests });
        ctx.log(`compare: baseline ${l.name}`);
        baselineRows.push(await measure(ctx, 'baseline fastify+ioredis', loadGroup(l.name, [server.url], conns, ctx.options.rate, l.requests), phaseMs));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await redis.destroy();
  }
  rows.push(...baselineRows);
  // Reads go to the leader (a follower adds a hop to the leader per read batch; `npm run bench --
  // stocks-read` measures both).
  const origin = cluster === null ? undefined : await cluster.leaderUrl(READ_LEADER_WAIT_MS).catch(() => cluster.nodeUrls()[0]);
  const comparisons: Comparison[] = [];
  for (const [i, l] of loads.entries()) {
    let bazaar: ResultRow | null = null;
    if (origin !== undefined) {
      await warmUp(ctx, [origin], { kind: 'pick', requests: l.requests });
      ctx.log(`compare: Bazaar ${l.name}`);
      bazaar = await measure(ctx, 'bazaar', loadGroup(l.name, [origin], conns, ctx.options.rate, l.requests), phaseMs);
      rows.push(bazaar);
    }
    comparisons.push({ name: l.name, baselineName: 'Fastify + ioredis', baseline: baselineRows[i] ?? null, bazaar });
  }
  if (origin === undefined) notes.push('reads: baseline only');
  return { comparisons, rows };
}

const READ_LEADER_WAIT_MS = 10_000;

async function compareTrades(ctx: ScenarioContext, cluster: ClusterHandle | null, notes: string[]): Promise<{ comparisons: Comparison[]; rows: ResultRow[] }> {
  const clientCounts = [...TRADE_CLIENT_COUNTS];
  const phaseMs = ctx.phaseMs(clientCounts.length * 2);
  const rows: ResultRow[] = [];
  const etcdRows = new Map<number, ResultRow>();
  const etcdPath = findEtcd();
  if (etcdPath === null) {
    notes.push(ETCD_MISSING_MESSAGE);
    process.stderr.write(`[bench] ${ETCD_MISSING_MESSAGE}\n`);
  } else {
    const etcd = await startEtcdCluster(etcdPath);
    try {
      const leader = await etcd.leaderUrl();
      notes.push(`trade baseline: ${etcd.version}, 3 members on loopback (fsync on), puts through the leader's JSON gateway`);
      for (const clients of clientCounts) {
        ctx.log(`compare: etcd put, ${clients} clients`);
        const row = await measure(ctx, 'baseline etcd', loadGroup(`put, ${clients} clients`, [leader], clients, null, etcdPutRequests(ETCD_KEYS)), phaseMs);
        etcdRows.set(clients, row);
        rows.push(row);
      }
    } finally {
      await etcd.stop();
    }
  }
  const comparisons: Comparison[] = [];
  const leader = cluster === null ? null : await cluster.leaderUrl(LEADER_WAIT_MS);
  for (const clients of clientCounts) {
    let bazaar: ResultRow | null = null;
    if (leader !== null) {
      ctx.log(`compare: Bazaar trades, ${clients} clients`);
      bazaar = await measure(ctx, 'bazaar', loadGroup(`trades, ${clients} clients`, [leader], clients, null, tradeMix(ctx.symbols)), phaseMs);
      rows.push(bazaar);
    }
    comparisons.push({ name: `trades, ${clients} clients`, baselineName: 'etcd 3-member put', baseline: etcdRows.get(clients) ?? null, bazaar });
  }
  return { comparisons, rows };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
