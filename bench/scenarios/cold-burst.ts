import { rowsOfGroup } from '../load/report.js';
import { LoadMode } from '../load/types.js';
import { burstCount, readStats, resetStats, stillCold, type ExchangeBurstCount } from './exchange-stats.js';
import { baseSpec, type Scenario, type ScenarioContext, type ScenarioOutcome } from './scenario.js';
import { priceGets, tierSymbols } from './workloads.js';

export const BURST_REQUESTS = 10_000;
export const SMOKE_BURST_REQUESTS = 1000;
export const BURST_TIMEOUT_MS = 60_000;
export const LEADER_WAIT_MS = 30_000;
/** Burst over at most this share of the cold tier (the part the refresher reaches last). */
export const BURST_TIER_SHARE = 0.5;
/** Fewer never-quoted cold assets than this: burst over the whole cold tier instead (counts then include scheduled refreshes). */
export const STILL_COLD_MIN = 50;

export interface ColdBurstDetails {
  assets: string[];
  /** Assets were never quoted before the burst: per-asset counts are on-demand fetches only. */
  assetsNeverQuoted: boolean;
  exchanges: ExchangeBurstCount[];
  /** Responses with status >= 500. */
  serverErrors: number;
  [key: string]: unknown;
}

export const coldBurst: Scenario = {
  name: 'cold-burst',
  description: '10,000 concurrent GET /prices over cold assets with an empty cache; errors, latency, exchange requests',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const burst = ctx.options.connections ?? (ctx.options.smoke ? SMOKE_BURST_REQUESTS : BURST_REQUESTS);
    await ctx.cluster.leaderUrl(LEADER_WAIT_MS);
    const exchanges = ctx.cluster.exchangeUrls();
    const { assets, neverQuoted } = await pickAssets(ctx, exchanges, notes);
    if (!(await ctx.cluster.flushCache())) notes.push('cache not flushed (attached cluster or no Redis): start from a fresh cluster for a cold cache');
    for (const url of exchanges) await resetStats(url);
    ctx.log(`cold-burst: ${burst} concurrent GETs over ${assets.length} cold assets`);
    const result = await ctx.runLoad({
      ...baseSpec(ctx, BURST_TIMEOUT_MS, burst),
      requestTimeoutMs: Math.max(ctx.options.requestTimeoutMs, 30_000),
      groups: [{ name: `${burst} concurrent`, mode: LoadMode.Closed, origins: ctx.cluster.nodeUrls(), connections: burst, workload: { kind: 'pick', requests: priceGets(assets, 'cold') } }],
    });
    const counts: ExchangeBurstCount[] = [];
    for (const url of exchanges) {
      const { requests, perSymbol } = await readStats(url, assets);
      counts.push(burstCount(url, requests, perSymbol));
    }
    for (const e of counts) {
      notes.push(`exchange ${e.url}: ${e.requests} requests during the burst; ${e.assetsFetched} of ${assets.length} assets quoted; most quotes of one asset: ${e.maxPerAsset} (${e.assetsOverOne} assets quoted more than once)`);
    }
    const serverErrors = result.groups.reduce((n, g) => n + Object.entries(g.byStatus).filter(([k]) => /^5\d\d$/.test(k)).reduce((a, [, v]) => a + v, 0), 0);
    const details: ColdBurstDetails = { assets, assetsNeverQuoted: neverQuoted, exchanges: counts, serverErrors };
    return { rows: result.groups.flatMap((g) => rowsOfGroup('cold-burst', g, result.generatorCpu)), notes, details };
  },
};

async function pickAssets(ctx: ScenarioContext, exchanges: readonly string[], notes: string[]): Promise<{ assets: string[]; neverQuoted: boolean }> {
  const cold = tierSymbols(ctx.symbols).cold;
  const quoted = await Promise.all(exchanges.map(async (url) => (await readStats(url, cold)).perSymbol));
  const fresh = stillCold(cold, quoted, Math.floor(cold.length * BURST_TIER_SHARE));
  if (exchanges.length > 0 && fresh.length >= STILL_COLD_MIN) {
    notes.push(`${fresh.length} cold assets no exchange had quoted yet (the last ones the leader's schedule reaches): per-asset counts are on-demand fetches`);
    return { assets: fresh, neverQuoted: true };
  }
  notes.push(`only ${fresh.length} never-quoted cold assets (cluster older than one cold refresh cycle): burst over all ${cold.length}; per-asset counts may include the leader's scheduled refreshes`);
  return { assets: cold, neverQuoted: false };
}
