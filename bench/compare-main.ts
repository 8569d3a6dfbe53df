/**
 * `npm run bench:compare [-- options]`: baselines and the matching Bazaar loads in one run.
 * Reads: bare Fastify + ioredis (one Redis GET per request) vs Bazaar, loaded like stocks-read
 * and prices-tiers' hot group. Trades: a 3-member etcd (when `etcd` is on PATH) vs Bazaar's
 * POST /orders at 1, 16 and 64 clients. Bazaar runs as `npm start` does (fault proxies) and,
 * with `--proxy both` (the default), again without them (`--no-proxy`) on a fresh cluster.
 * Writes bench/results/<time>/report.{md,json}.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { renderReport, saveReport, scenarioContext, type ReportSection } from './bench-context.js';
import { startBaselineServer } from './baselines/baseline-process.js';
import { ETCD_MISSING_MESSAGE, etcdPutRequests, findEtcd, startEtcdCluster } from './baselines/etcd-cluster.js';
import { seedBaselineData } from './baselines/fastify-redis-server.js';
import { openCluster, type ClusterHandle } from './cluster-handle.js';
import { formatComparisonTable, type Comparison } from './compare-table.js';
import { cpuMsPerThousand, processesCpuMs } from './load/proc-cpu.js';
import { machineInfo, rowsOfGroup, type ResultRow } from './load/report.js';
import type { GroupSpec, RequestSpec } from './load/types.js';
import { BENCH_USAGE, cliErrorText, parseBenchArgs, type BenchOptions } from './options.js';
import { baseSpec, warmUp, type ScenarioContext } from './scenarios/scenario.js';
import { loadGroup, priceGets, stockLookups, STOCKS_READ_CONNECTIONS, TRADE_CLIENT_COUNTS, tierSymbols, tradeMix } from './scenarios/workloads.js';
import { RedisServer } from '../src/cache/redis-server.js';

export const ETCD_KEYS = 1000;
const LEADER_WAIT_MS = 10_000;

interface Load {
  readonly name: string;
  readonly kind: 'read' | 'trade';
  readonly connections: number;
  readonly requests: RequestSpec[];
  readonly warm: boolean;
  /** The node loaded: the leader, or a follower (linearizable reads pay a ReadIndex hop). */
  readonly via: 'leader' | 'follower';
  /** Compared with another load's baseline (the bare server has no followers); none: its own. */
  readonly baselineOf?: string;
}

interface Variant {
  readonly label: 'proxy' | 'no-proxy';
  readonly noProxy: boolean;
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`usage: npm run bench:compare [-- options]: Bazaar against its baselines (bare Fastify+Redis, etcd) in one run\n${BENCH_USAGE.split('\n').slice(1).join('\n')}\n`);
    return;
  }
  const ctx = await scenarioContext(options, detachedHandle());
  const loads = compareLoads(ctx);
  const notes: string[] = [];
  const phase = ctx.phaseMs(loads.length * 3);
  const baselines = new Map<string, ResultRow>();
  const baselineRows = [...(await measureReadBaselines(ctx, loads, phase, baselines)), ...(await measureEtcd(ctx, loads, phase, baselines, notes))];
  const sections: ReportSection[] = [{ title: 'baselines (raw)', outcome: { rows: baselineRows, notes: [] } }];
  const results = new Map<Variant['label'], Map<string, ResultRow>>();
  for (const variant of variantsOf(options)) {
    const measured = await measureBazaar(ctx, variant, loads, phase, notes);
    if (measured === null) continue;
    results.set(variant.label, measured.byLoad);
    sections.push({ title: `Bazaar, ${variant.noProxy ? 'no fault proxies (--no-proxy)' : 'fault proxies on every Raft link (npm start default)'} (raw)`, outcome: { rows: measured.rows, notes: [] } });
  }
  const comparisons: Comparison[] = loads.map((l) => ({
    name: l.name,
    baselineName: l.kind === 'read' ? 'Fastify + ioredis' : 'etcd 3-member put',
    baseline: baselines.get(l.baselineOf ?? l.name) ?? null,
    bazaar: results.get('proxy')?.get(l.name) ?? null,
    ...(results.has('no-proxy') ? { bazaarNoProxy: results.get('no-proxy')?.get(l.name) ?? null } : {}),
  }));
  const machine = machineInfo();
  const command = `npm run bench:compare -- ${process.argv.slice(2).join(' ')}`.trim();
  const cpuColumns = ['baseline', ...results.keys()];
  const summary = [
    '## Ratios (Bazaar / baseline)',
    '',
    formatComparisonTable(comparisons),
    '',
    '## Server CPU ms per 1,000 requests',
    '',
    'User + system CPU of the serving processes during each measured phase (baseline reads: Fastify + Redis; etcd: its 3 members; Bazaar: 3 nodes, the fault proxy, Redis), per 1,000 completed requests; for Bazaar, in parentheses, the same less its idle background CPU over the phase. Less sensitive to other load on the machine than req/s.',
    '',
    cpuTable(loads, cpuColumns),
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
  const markdown = renderReport('Bazaar vs baselines', command, machine, options.seed, sections, summary);
  process.stdout.write(`${markdown}\n`);
  await saveReport(options, markdown, { kind: 'compare', command, machine, options, comparisons, serverCpuMsPerThousand: Object.fromEntries(serverCpu), sections, notes });
}

function variantsOf(options: BenchOptions): Variant[] {
  const proxy: Variant = { label: 'proxy', noProxy: false };
  if (options.attach) return [proxy]; // the user's cluster, as it runs
  const choice = options.proxy ?? 'both';
  if (choice === 'on') return [proxy];
  if (choice === 'off') return [{ label: 'no-proxy', noProxy: true }];
  return [proxy, { label: 'no-proxy', noProxy: true }];
}

function compareLoads(ctx: ScenarioContext): Load[] {
  const hot = tierSymbols(ctx.symbols).hot;
  const conns = ctx.options.connections ?? (ctx.options.smoke ? 10 : STOCKS_READ_CONNECTIONS);
  const stocks = `stocks-read, ${conns} conns`;
  const loads: Load[] = [
    { name: stocks, kind: 'read', connections: conns, requests: stockLookups(hot), warm: true, via: 'leader' },
    { name: `stocks-read follower, ${conns} conns`, kind: 'read', connections: conns, requests: stockLookups(hot), warm: true, via: 'follower', baselineOf: stocks },
    { name: `prices hot, ${conns} conns`, kind: 'read', connections: conns, requests: priceGets(hot, 'hot'), warm: true, via: 'leader' },
    // Trades warm up like reads, etcd's puts alike: the first seconds after a start are not steady state (bench/README.md).
    ...TRADE_CLIENT_COUNTS.map((clients): Load => ({ name: `trades, ${clients} clients`, kind: 'trade', connections: clients, requests: tradeMix(ctx.symbols), warm: true, via: 'leader' })),
  ];
  const only = ctx.options.only;
  return loads.filter((l) => only === 'all' || (only === 'reads') === (l.kind === 'read'));
}

function detachedHandle(): ClusterHandle {
  const no = (): Promise<never> => Promise.reject(new Error('no Bazaar cluster'));
  return { managed: false, cacheEnabled: null, nodeUrls: () => [], exchangeUrls: () => [], leaderUrl: no, killLeader: no, restartNode: no, setCache: no, flushCache: () => Promise.resolve(false), serverPids: () => [], stop: () => Promise.resolve() };
}

/** Server CPU ms per 1,000 requests, by column ('baseline', 'proxy', 'no-proxy') and load name. */
const serverCpu = new Map<string, string>();

interface CpuProbe {
  readonly column: string;
  readonly pids: readonly number[];
  /** CPU ms per second the processes burn with no requests (sampled before the loads); null: not sampled. */
  readonly idleMsPerSec?: number | null;
}

async function measure(ctx: ScenarioContext, scenario: string, group: GroupSpec, durationMs: number, cpu: CpuProbe): Promise<ResultRow> {
  const before = processesCpuMs(cpu.pids);
  const startedMs = Date.now();
  const result = await ctx.runLoad({ ...baseSpec(ctx, durationMs), groups: [group] });
  const after = processesCpuMs(cpu.pids);
  const elapsedMs = Date.now() - startedMs;
  const g = result.groups[0];
  if (g === undefined) throw new Error('load returned no group');
  const row = rowsOfGroup(scenario, g, result.generatorCpu)[0];
  if (row === undefined) throw new Error('no result row');
  const total = cpuMsPerThousand(before, after, g.completed);
  const idle = cpu.idleMsPerSec ?? null;
  const marginal = idle === null ? null : cpuMsPerThousand(before, after, g.completed, (idle * elapsedMs) / 1000);
  serverCpu.set(`${cpu.column}|${group.name}`, total === null ? '-' : marginal === null ? String(total) : `${total} (${marginal})`);
  return row;
}

/** How long the idle cluster's background CPU is sampled before the loads. */
export const IDLE_SAMPLE_MS = 3000;

/** CPU ms per second the processes use with no requests. */
async function idleCpuMsPerSec(pids: readonly number[]): Promise<number | null> {
  const before = processesCpuMs(pids);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
  const after = processesCpuMs(pids);
  return before === null || after === null ? null : ((after - before) * 1000) / IDLE_SAMPLE_MS;
}

function cpuTable(loads: readonly Load[], columns: readonly string[]): string {
  const cell = (column: string, load: string): string => serverCpu.get(`${column}|${load}`) ?? '-';
  const lines = [`| load | ${columns.join(' | ')} |`, '|' + ' --- |'.repeat(columns.length + 1)];
  for (const l of loads) lines.push(`| ${l.name} | ${columns.map((c) => cell(c, l.name)).join(' | ')} |`);
  return lines.join('\n');
}

async function measureLoad(ctx: ScenarioContext, scenario: string, origin: string, load: Load, phase: number, cpu: { column: string; pids: readonly number[] }): Promise<ResultRow> {
  if (load.warm) await warmUp(ctx, [origin], { kind: 'pick', requests: load.requests });
  ctx.log(`compare: ${scenario} ${load.name}`);
  return measure(ctx, scenario, loadGroup(load.name, [origin], load.connections, load.kind === 'read' ? ctx.options.rate : null, load.requests), phase, cpu);
}

async function measureReadBaselines(ctx: ScenarioContext, loads: readonly Load[], phase: number, into: Map<string, ResultRow>): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const redis = await RedisServer.start();
  try {
    const client = new Redis(redis.url);
    await seedBaselineData(client, ctx.symbols);
    await client.quit();
    const server = await startBaselineServer(redis.url);
    try {
      for (const l of loads.filter((x) => x.kind === 'read' && x.baselineOf === undefined)) {
        const row = await measureLoad(ctx, 'baseline fastify+ioredis', server.url, l, phase, { column: 'baseline', pids: [server.pid, ...(redis.pid === undefined ? [] : [redis.pid])] });
        into.set(l.name, row);
        rows.push(row);
      }
    } finally {
      await server.stop();
    }
  } finally {
    await redis.destroy();
  }
  return rows;
}

async function measureEtcd(ctx: ScenarioContext, loads: readonly Load[], phase: number, into: Map<string, ResultRow>, notes: string[]): Promise<ResultRow[]> {
  const etcdPath = findEtcd();
  if (etcdPath === null) {
    notes.push(ETCD_MISSING_MESSAGE);
    process.stderr.write(`[bench] ${ETCD_MISSING_MESSAGE}\n`);
    return [];
  }
  const rows: ResultRow[] = [];
  const etcd = await startEtcdCluster(etcdPath);
  try {
    const leader = await etcd.leaderUrl();
    notes.push(`trade baseline: ${etcd.version}, 3 members on loopback (fsync on), puts through the leader's JSON gateway`);
    const puts = etcdPutRequests(ETCD_KEYS);
    for (const l of loads.filter((x) => x.kind === 'trade')) {
      if (l.warm) await warmUp(ctx, [leader], { kind: 'pick', requests: puts });
      ctx.log(`compare: etcd put, ${l.name}`);
      const row = await measure(ctx, 'baseline etcd', loadGroup(l.name, [leader], l.connections, null, puts), phase, { column: 'baseline', pids: etcd.pids });
      into.set(l.name, row);
      rows.push(row);
    }
  } finally {
    await etcd.stop();
  }
  return rows;
}

/** One Bazaar cluster (started for this variant, or attached), every load through its leader. */
async function measureBazaar(ctx: ScenarioContext, variant: Variant, loads: readonly Load[], phase: number, notes: string[]): Promise<{ rows: ResultRow[]; byLoad: Map<string, ResultRow> } | null> {
  const o = ctx.options;
  const cpuProfDir = o.cpuProfDir === null ? null : join(o.cpuProfDir, variant.label);
  if (cpuProfDir !== null) await mkdir(cpuProfDir, { recursive: true });
  let cluster: ClusterHandle;
  try {
    cluster = await openCluster({ attach: o.attach, targets: o.targets, exchangeUrls: o.exchangeUrls, basePort: o.basePort, cacheEnabled: o.cache ?? true, cpuProfDir, noProxy: variant.noProxy });
  } catch (err) {
    notes.push(`Bazaar (${variant.label}) not measured: ${(err as Error).message}`);
    return null;
  }
  const rows: ResultRow[] = [];
  const byLoad = new Map<string, ResultRow>();
  try {
    // Loads go to the leader, the follower read load to a follower (`npm run bench --
    // stocks-read` and `-- trades` measure more of the follower paths).
    const leader = await cluster.leaderUrl(LEADER_WAIT_MS);
    const follower = cluster.nodeUrls().find((u) => u !== leader);
    const scenario = `bazaar ${variant.label}`;
    const pids = cluster.serverPids();
    const idleMsPerSec = await idleCpuMsPerSec(pids);
    const cpu = { column: variant.label, pids, idleMsPerSec };
    if (idleMsPerSec !== null) notes.push(`Bazaar (${variant.label}) idle before the loads: ${(idleMsPerSec / 10).toFixed(0)}% of one core over ${IDLE_SAMPLE_MS / 1000} s (heartbeats, price refresh, history writes); in parentheses: its CPU per 1,000 requests with that background subtracted`);
    for (const l of loads) {
      const origin = l.via === 'leader' ? leader : follower;
      if (origin === undefined) {
        notes.push(`${l.name}: no follower known, not measured`);
        continue;
      }
      const row = await measureLoad(ctx, scenario, origin, l, phase, cpu);
      byLoad.set(l.name, row);
      rows.push(row);
    }
  } finally {
    await cluster.stop();
  }
  return { rows, byLoad };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:compare: ${cliErrorText(err)}\n`);
  process.exit(1);
});
