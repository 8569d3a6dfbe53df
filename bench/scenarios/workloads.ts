import { HOT_TIER_SIZE, MEDIUM_TIER_SIZE } from '../../src/catalog/symbols.js';
import { HttpMethod, LoadMode, type GroupSpec, type RequestSpec } from '../load/types.js';
import { tradeRequest } from '../load/workload.js';

/** Shared request mixes, so a baseline is loaded exactly like the Bazaar scenario it is compared to. */
export function tierSymbols(symbols: readonly string[]): { hot: string[]; medium: string[]; cold: string[] } {
  return {
    hot: symbols.slice(0, HOT_TIER_SIZE),
    medium: symbols.slice(HOT_TIER_SIZE, HOT_TIER_SIZE + MEDIUM_TIER_SIZE),
    cold: symbols.slice(HOT_TIER_SIZE + MEDIUM_TIER_SIZE),
  };
}

export function stockLookups(symbols: readonly string[], tag = 'lookup'): RequestSpec[] {
  return symbols.map((s) => ({ method: HttpMethod.Get, path: `/stocks?stockname=${encodeURIComponent(s)}`, tag }));
}

export function priceGets(symbols: readonly string[], tag: string): RequestSpec[] {
  return symbols.map((s) => ({ method: HttpMethod.Get, path: `/prices/${encodeURIComponent(s)}`, tag }));
}

/** BUY and SELL of 1 share for each symbol, picked uniformly (quantities random-walk around 100). */
export function tradeMix(symbols: readonly string[]): RequestSpec[] {
  return symbols.flatMap((s) => [tradeRequest(s, 'BUY'), tradeRequest(s, 'SELL')]);
}

/** A closed loop, or an open loop at `rate` when given (outstanding cap: 10 s worth of requests, at least 1000). */
export function loadGroup(name: string, origins: string[], connections: number, rate: number | null, requests: RequestSpec[]): GroupSpec {
  const workload = { kind: 'pick' as const, requests };
  if (rate === null) return { name, mode: LoadMode.Closed, origins, connections, workload };
  return { name, mode: LoadMode.Open, origins, connections, ratePerSec: rate, outstandingMax: Math.max(1000, rate * 10), workload };
}

export const STOCKS_READ_CONNECTIONS = 50;
export const TRADE_CLIENT_COUNTS = [1, 16, 64] as const;
