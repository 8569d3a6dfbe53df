/**
 * Exchange request counts from each mock exchange's GET /mock/stats (quotes served per symbol
 * since its last reset) and POST /mock/stats/reset. Pure helpers for picking still-cold assets.
 */
export const EXCHANGE_PROBE_TIMEOUT_MS = 2000;
/** Symbols per stats query (keeps the URL short). */
export const STATS_SYMBOLS_PER_QUERY = 200;

export interface ExchangeStatsReply {
  id?: string;
  requests?: number;
  batchRequests?: number;
  perSymbol?: Record<string, number>;
}

export interface ExchangeBurstCount {
  url: string;
  /** Ticker requests (single + batch) the exchange received. */
  requests: number;
  /** Most quotes of one asset served. */
  maxPerAsset: number;
  /** Assets quoted more than once. */
  assetsOverOne: number;
  /** Assets quoted at least once. */
  assetsFetched: number;
}

async function getJson(url: string, method: 'GET' | 'POST' = 'GET'): Promise<ExchangeStatsReply> {
  const res = await fetch(url, { method, signal: AbortSignal.timeout(EXCHANGE_PROBE_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}`);
  return (await res.json()) as ExchangeStatsReply;
}

/** Requests and per-symbol quote counts of one exchange for `symbols`. */
export async function readStats(url: string, symbols: readonly string[]): Promise<{ requests: number; perSymbol: Map<string, number> }> {
  const perSymbol = new Map<string, number>();
  let requests = 0;
  for (let i = 0; i < Math.max(1, symbols.length); i += STATS_SYMBOLS_PER_QUERY) {
    const chunk = symbols.slice(i, i + STATS_SYMBOLS_PER_QUERY);
    const reply = await getJson(`${url}/mock/stats?symbols=${chunk.map(encodeURIComponent).join(',')}`);
    requests = reply.requests ?? 0;
    for (const [s, n] of Object.entries(reply.perSymbol ?? {})) perSymbol.set(s, n);
  }
  return { requests, perSymbol };
}

export async function resetStats(url: string): Promise<void> {
  await getJson(`${url}/mock/stats/reset`, 'POST');
}

export function burstCount(url: string, requests: number, perSymbol: ReadonlyMap<string, number>): ExchangeBurstCount {
  const counts = [...perSymbol.values()];
  return {
    url,
    requests,
    maxPerAsset: Math.max(0, ...counts),
    assetsOverOne: counts.filter((c) => c > 1).length,
    assetsFetched: counts.filter((c) => c > 0).length,
  };
}

/**
 * Assets no exchange has quoted yet (so neither Redis nor the price history can answer them),
 * keeping the last `max` in tier order: the leader's refresher walks a tier in order, so these
 * are the ones its schedule reaches last and a burst on them measures on-demand fetches only.
 */
export function stillCold(tierOrder: readonly string[], quoted: readonly ReadonlyMap<string, number>[], max: number): string[] {
  const unquoted = tierOrder.filter((s) => quoted.every((m) => (m.get(s) ?? 0) === 0));
  return unquoted.slice(Math.max(0, unquoted.length - max));
}
