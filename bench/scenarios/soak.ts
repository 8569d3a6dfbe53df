import { EVENT_LOOP_DELAY_RESOLUTION_MS } from '../../src/node/event-loop-delay.js';
import { cpus } from 'node:os';
import { rowsOfGroup } from '../load/report.js';
import { TRADE_TAG } from '../load/workload.js';
import type { GroupResult, LoadResult } from '../load/types.js';
import { baseSpec, type Scenario, type ScenarioContext, type ScenarioOutcome } from './scenario.js';
import { LOOP_WINDOW_LAG_MS, minuteFigures, NodeSampler, perSecondCounts, SOAK_SAMPLE_INTERVAL_MS, type MinuteNodeFigures } from './soak-metrics.js';
import { LEADER_WAIT_MS } from './trades.js';
import { loadGroup, stockLookups, tierSymbols, tradeMix } from './workloads.js';

/** Trade clients (closed loop) spread over the leader and the followers. */
export const SOAK_TRADE_CLIENTS = 64;
/** Linearizable GET /stocks clients, spread over all nodes. */
export const SOAK_READ_CLIENTS = 16;
export const SOAK_WINDOW_MS = 60_000;
export const SOAK_SMOKE_WINDOW_MS = 5000;
export const SOAK_SMOKE_SAMPLE_INTERVAL_MS = 1000;
/**
 * Acknowledged requests (trades and reads) whose times one window keeps: 60 s at up to 20,000
 * requests/s fit (~56 bytes each, ~67 MB at the bound). 400,000 filled within a minute at
 * 7,100 requests/s (session 8), which left the per-second trade counts unknown.
 */
export const SOAK_TIMELINE_MAX = 1_200_000;

interface WindowRow {
  readonly index: number;
  readonly trades: GroupResult;
  readonly reads: GroupResult;
  readonly minTradesPerSec: number;
  readonly zeroSeconds: number;
  readonly nodes: readonly MinuteNodeFigures[];
  /** The whole machine's CPU busy % over the window (os.cpus(): 100 = every core busy). */
  readonly machineBusyPct: number;
}

interface CpuTotals {
  readonly busyMs: number;
  readonly totalMs: number;
}

function machineCpu(): CpuTotals {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    const busy = times.user + times.nice + times.sys + times.irq;
    busyMs += busy;
    totalMs += busy + times.idle;
  }
  return { busyMs, totalMs };
}

function busyPct(a: CpuTotals, b: CpuTotals): number {
  const total = b.totalMs - a.totalMs;
  return total <= 0 ? 0 : Math.round(((b.busyMs - a.busyMs) / total) * 100);
}

export const soak: Scenario = {
  name: 'soak',
  description: `--duration-s total: steady trades (${SOAK_TRADE_CLIENTS} clients) and linearizable reads (${SOAK_READ_CLIENTS}) over leader and followers; per-minute throughput, p99, min per-second, term, event-loop delay, RSS`,
  async run(ctx): Promise<ScenarioOutcome> {
    const leader = await ctx.cluster.leaderUrl(LEADER_WAIT_MS);
    const urls = [leader, ...ctx.cluster.nodeUrls().filter((u) => u !== leader)];
    const windowMs = ctx.options.smoke ? SOAK_SMOKE_WINDOW_MS : Math.min(SOAK_WINDOW_MS, ctx.options.durationS * 1000);
    const totalMs = ctx.options.smoke ? 2 * SOAK_SMOKE_WINDOW_MS : ctx.options.durationS * 1000;
    const sampler = new NodeSampler(urls, ctx.options.smoke ? SOAK_SMOKE_SAMPLE_INTERVAL_MS : SOAK_SAMPLE_INTERVAL_MS);
    sampler.start();
    const rows: WindowRow[] = [];
    let loopFromMs: number | null = null;
    const outcomeRows: ScenarioOutcome['rows'] = [];
    try {
      for (let index = 0, doneMs = 0; doneMs < totalMs; index += 1, doneMs += windowMs) {
        const cpuBefore = machineCpu();
        const result = await runWindow(ctx, urls, Math.min(windowMs, totalMs - doneMs));
        // --smoke (10 s in all) is too short for the lag: its loop figures may include the warm-up.
        loopFromMs ??= result.startedAtMs + (ctx.options.smoke ? 0 : LOOP_WINDOW_LAG_MS);
        const row = windowRow(index, result, sampler, urls, busyPct(cpuBefore, machineCpu()), loopFromMs);
        rows.push(row);
        ctx.log(`soak ${formatRow(row, urls.length).replaceAll('|', ' ')}`);
        for (const g of result.groups) outcomeRows.push(...rowsOfGroup('soak', g, result.generatorCpu, `${windowLabel(index, windowMs)} ${g.name}`));
      }
    } finally {
      await sampler.stop();
    }
    return { rows: outcomeRows, markdown: soakTable(rows, urls, windowMs), notes: soakNotes(rows, urls, sampler), details: { windows: rows.map((r) => ({ ...r, trades: undefined, reads: undefined, tradesPerSec: r.trades.okPerSec, tradeP99Ms: r.trades.latency.p99Ms })) } };
  },
};

async function runWindow(ctx: ScenarioContext, urls: string[], durationMs: number): Promise<LoadResult> {
  const clients = ctx.options.connections ?? SOAK_TRADE_CLIENTS;
  const reads = stockLookups(tierSymbols(ctx.symbols).hot);
  return ctx.runLoad({
    ...baseSpec(ctx, durationMs),
    timelineMax: SOAK_TIMELINE_MAX,
    groups: [
      loadGroup(`trades ${clients} clients`, urls, clients, null, tradeMix(ctx.symbols)),
      loadGroup(`reads ${SOAK_READ_CLIENTS} clients`, urls, SOAK_READ_CLIENTS, null, reads),
    ],
  });
}

function windowRow(index: number, result: LoadResult, sampler: NodeSampler, urls: string[], machineBusyPct: number, loopFromMs: number): WindowRow {
  const [trades, reads] = result.groups as [GroupResult, GroupResult];
  const start = result.startedAtMs;
  const end = start + trades.elapsedMs;
  const done = result.timeline.filter((t) => t.tag === TRADE_TAG).map((t) => t.doneAtMs);
  const perSecond = perSecondCounts(done, start, end);
  return {
    index,
    trades,
    reads,
    minTradesPerSec: perSecond.length === 0 ? 0 : Math.min(...perSecond),
    zeroSeconds: perSecond.filter((n) => n === 0).length + (result.timelineDropped > 0 ? Number.NaN : 0),
    nodes: urls.map((u) => minuteFigures(sampler.samples.get(u) ?? [], start, end + 1000, loopFromMs)),
    machineBusyPct,
  };
}

const windowLabel = (index: number, windowMs: number): string => (windowMs === SOAK_WINDOW_MS ? `min ${index + 1}` : `window ${index + 1}`);
const fmt = (v: number | null): string => (v === null ? '-' : String(v));

function formatRow(r: WindowRow, nodeCount: number): string {
  const terms = r.nodes.map((n) => n.term).filter((t): t is number => t !== null);
  const cells = [
    String(r.index + 1),
    r.trades.okPerSec.toFixed(0),
    r.trades.latency.p99Ms.toFixed(1),
    String(r.minTradesPerSec),
    r.reads.okPerSec.toFixed(0),
    r.reads.latency.p99Ms.toFixed(1),
    terms.length === 0 ? '-' : String(Math.max(...terms)),
    fmt(maxOf(r.nodes.map((n) => n.loopDelayP99Ms))),
    r.nodes.slice(0, nodeCount).map((n) => fmt(n.loopDelayMaxMs)).join(' / '),
    r.nodes.slice(0, nodeCount).map((n) => fmt(n.rssMiB)).join(' / '),
    r.nodes.slice(0, nodeCount).map((n) => fmt(n.cpuPct)).join(' / '),
    cpuMsPerRequest(r),
    r.nodes.slice(0, nodeCount).map((n) => fmt(n.gcPct)).join(' / '),
    String(r.machineBusyPct),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Nodes' CPU (all nodes, ms) per acknowledged request (trade or read) in the window. */
function cpuMsPerRequest(r: WindowRow): string {
  const pcts = r.nodes.map((n) => n.cpuPct);
  const requestsPerSec = r.trades.okPerSec + r.reads.okPerSec;
  if (pcts.some((p) => p === null) || requestsPerSec <= 0) return '-';
  const cpuMsPerSec = pcts.reduce((sum: number, p) => sum + (p as number), 0) * 10;
  return (cpuMsPerSec / requestsPerSec).toFixed(2);
}

function maxOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

function soakTable(rows: readonly WindowRow[], urls: string[], windowMs: number): string {
  const unit = windowMs === SOAK_WINDOW_MS ? 'min' : `${windowMs / 1000}s window`;
  const header = `| ${unit} | trades/s | trade p99 ms | min trades in a second | reads/s | read p99 ms | term | loop delay p99 ms | loop delay max ms (${nodeNames(urls)}) | RSS MiB (${nodeNames(urls)}) | CPU % of a core (${nodeNames(urls)}) | node CPU ms per request | GC pause % (${nodeNames(urls)}) | machine CPU busy % |`;
  const rule = `|${' --- |'.repeat(14)}`;
  return [header, rule, ...rows.map((r) => formatRow(r, urls.length))].join('\n');
}

const nodeNames = (urls: readonly string[]): string => urls.map((_, i) => (i === 0 ? 'leader at start' : `f${i}`)).join(' / ');

function soakNotes(rows: readonly WindowRow[], urls: string[], sampler: NodeSampler): string[] {
  const terms = urls.flatMap((u) => (sampler.samples.get(u) ?? []).map((s) => s.term)).filter((t): t is number => t !== null);
  const elections = terms.length === 0 ? null : Math.max(...terms) - Math.min(...terms);
  const zero = rows.reduce((sum, r) => sum + r.zeroSeconds, 0);
  const first = rows[0];
  const last = rows.at(-1);
  const notes = [
    `elections during the soak (term increase): ${fmt(elections)}; whole seconds without an acknowledged trade: ${Number.isNaN(zero) ? 'unknown (timeline full)' : zero}`,
    `loop delay: how late the node's ${EVENT_LOOP_DELAY_RESOLUTION_MS}-ms sampling timer fired (bazaar_event_loop_delay_seconds: perf_hooks' interval minus its resolution), worst 10-s window, p99 of any node, max per node, from scrapes ${LOOP_WINDOW_LAG_MS / 1000} s or more after the load began (earlier ones may report a window from before it); RSS: process_resident_memory_bytes at the end of each window`,
    'CPU: process_cpu_seconds_total over the window (100 = one core); node CPU ms per request: all nodes\' CPU over acknowledged trades + reads (rising with flat load = a cost that grows with state); GC pause %: wall time in GC pauses (nodejs_gc_duration_seconds); machine CPU busy %: all cores, every process (load generator, Redis, proxies, exchanges included)',
    'trades: BUY/SELL of 1 share of a random symbol, clients spread round-robin over the leader and followers; reads: GET /stocks of hot symbols (linearizable)',
  ];
  if (first !== undefined && last !== undefined && rows.length > 1) {
    const growth = urls.map((_, i) => {
      const a = first.nodes[i]?.rssMiB;
      const b = last.nodes[i]?.rssMiB;
      return a === null || a === undefined || b === null || b === undefined ? '-' : `${(((b - a) / a) * 100).toFixed(0)}%`;
    });
    notes.push(`RSS change from the first window to the last, per node: ${growth.join(' / ')}; trade p99 first -> last window: ${first.trades.latency.p99Ms.toFixed(1)} -> ${last.trades.latency.p99Ms.toFixed(1)} ms`);
  }
  return notes;
}
