import { rowsOfGroup } from '../load/report.js';
import { LoadMode } from '../load/types.js';
import { baseSpec, type Scenario, type ScenarioOutcome } from './scenario.js';
import { priceGets, tierSymbols } from './workloads.js';

export const BURST_REQUESTS = 10_000;
export const SMOKE_BURST_REQUESTS = 1000;
export const BURST_TIMEOUT_MS = 60_000;
export const EXCHANGE_PROBE_TIMEOUT_MS = 2000;

interface ExchangeStats {
  id?: string;
  requests?: number;
  perSymbol?: Record<string, number>;
}

export const coldBurst: Scenario = {
  name: 'cold-burst',
  description: '10,000 concurrent GET /prices over cold assets with an empty cache; errors, latency, exchange requests',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const burst = ctx.options.connections ?? (ctx.options.smoke ? SMOKE_BURST_REQUESTS : BURST_REQUESTS);
    const cold = tierSymbols(ctx.symbols).cold;
    if (!(await ctx.cluster.flushCache())) notes.push('cache not flushed (attached cluster or launcher without flushCache): start from a fresh cluster for a cold cache');
    const exchanges = ctx.cluster.exchangeUrls();
    const reachable = await resetExchangeStats(exchanges, notes);
    ctx.log(`cold-burst: ${burst} concurrent GETs over ${cold.length} cold assets`);
    const result = await ctx.runLoad({
      ...baseSpec(ctx, BURST_TIMEOUT_MS, burst),
      requestTimeoutMs: Math.max(ctx.options.requestTimeoutMs, 30_000),
      groups: [{ name: `${burst} concurrent`, mode: LoadMode.Closed, origins: ctx.cluster.nodeUrls(), connections: burst, workload: { kind: 'pick', requests: priceGets(cold, 'cold') } }],
    });
    const perExchange = await readExchangeStats(reachable, cold);
    for (const e of perExchange) {
      notes.push(`exchange ${e.url}: ${e.requests} requests during the burst; most quotes of one asset: ${e.maxPerAsset} (${e.assetsOverOne} assets fetched more than once)`);
    }
    return { rows: result.groups.flatMap((g) => rowsOfGroup('cold-burst', g, result.generatorCpu)), notes, details: { exchanges: perExchange } };
  },
};

async function resetExchangeStats(urls: string[], notes: string[]): Promise<string[]> {
  const ok: string[] = [];
  for (const url of urls) {
    try {
      const res = await fetch(`${url}/mock/stats/reset`, { method: 'POST', signal: AbortSignal.timeout(EXCHANGE_PROBE_TIMEOUT_MS) });
      if (res.ok) ok.push(url);
      else notes.push(`exchange ${url}: stats reset answered ${res.status}; not counted`);
    } catch (err) {
      notes.push(`exchange ${url} unreachable (${(err as Error).message}); its requests are not counted`);
    }
  }
  return ok;
}

async function readExchangeStats(urls: string[], symbols: string[]): Promise<{ url: string; requests: number; maxPerAsset: number; assetsOverOne: number }[]> {
  const out = [];
  for (const url of urls) {
    const res = await fetch(`${url}/mock/stats?symbols=${symbols.join(',')}`, { signal: AbortSignal.timeout(EXCHANGE_PROBE_TIMEOUT_MS) });
    const stats = (await res.json()) as ExchangeStats;
    const counts = Object.values(stats.perSymbol ?? {});
    out.push({ url, requests: stats.requests ?? 0, maxPerAsset: Math.max(0, ...counts), assetsOverOne: counts.filter((c) => c > 1).length });
  }
  return out;
}
