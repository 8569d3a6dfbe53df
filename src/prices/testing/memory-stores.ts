import type { HistoryPoint, HistoryStore } from '../dynamo-history-store.js';
import type { AggregatedPrice } from '../price-types.js';
import type { LatestPriceStore } from '../redis-price-store.js';

/** In-memory price stores for route tests (the pipeline's real stores are Redis and DynamoDB). */

export class MemoryLatest implements LatestPriceStore {
  readonly map = new Map<string, AggregatedPrice>();
  async get(asset: string) {
    return this.map.get(asset) ?? null;
  }
  async putMany(entries: readonly { price: AggregatedPrice }[]) {
    for (const e of entries) this.map.set(e.price.asset, e.price);
  }
}

export class MemoryHistory implements HistoryStore {
  readonly points: HistoryPoint[] = [];
  async write(points: readonly HistoryPoint[]) {
    this.points.push(...points);
  }
  async latest(asset: string) {
    return (await this.range(asset, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, limit: 1 }))[0] ?? null;
  }
  async range(asset: string, q: { fromMs: number; toMs: number; limit: number }) {
    return this.points
      .filter((p) => p.asset === asset && p.timestamp >= q.fromMs && p.timestamp <= q.toMs)
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, q.limit);
  }
}
