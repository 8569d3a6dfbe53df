import type { Rng } from '../../common/rng.js';
import { HttpMethod, type RequestSpec, type Workload } from './types.js';

export const LOOKUP_TAG = 'lookup';
export const TRADE_TAG = 'trade';
export const TRADE_QUANTITY = 1;

/** Produces the requests a virtual user sends in one step of its loop (seeded). */
export class StepSource {
  private keySeq = 0;

  constructor(
    private readonly workload: Workload,
    private readonly rng: Rng,
    private readonly keyPrefix: string,
  ) {
    validateWorkload(workload);
  }

  /** The next step: one request (`pick`), or lookup then maybe trade (`session`). */
  next(): RequestSpec[] {
    const w = this.workload;
    if (w.kind === 'pick') return [this.withKey(this.rng.pick(w.requests), w.idempotencyKeys === true)];
    const symbol = this.rng.pick(w.symbols);
    const lookup: RequestSpec = { method: HttpMethod.Get, path: `/stocks?stockname=${encodeURIComponent(symbol)}`, tag: LOOKUP_TAG };
    if (!this.rng.chance(w.tradeProbability)) return [lookup];
    return [lookup, this.withKey(tradeRequest(symbol, this.rng.chance(0.5) ? 'BUY' : 'SELL'), w.idempotencyKeys === true)];
  }

  private withKey(req: RequestSpec, idempotencyKeys: boolean): RequestSpec {
    if (!idempotencyKeys) return req;
    this.keySeq++;
    return { ...req, headers: { ...req.headers, 'idempotency-key': `${this.keyPrefix}-${this.keySeq}` } };
  }
}

export function tradeRequest(symbol: string, type: 'BUY' | 'SELL', tag = TRADE_TAG): RequestSpec {
  return {
    method: HttpMethod.Post,
    path: '/orders',
    body: JSON.stringify({ name: symbol, quantity: TRADE_QUANTITY, type }),
    tag,
  };
}

export function validateWorkload(w: Workload): void {
  if (w.kind === 'pick') {
    if (w.requests.length === 0) throw new Error('pick workload needs at least one request');
    for (const r of w.requests) {
      if (!r.path.startsWith('/')) throw new Error(`request path must start with "/", got "${r.path}"`);
    }
    return;
  }
  if (w.symbols.length === 0) throw new Error('session workload needs at least one symbol');
  if (!(w.tradeProbability >= 0 && w.tradeProbability <= 1)) {
    throw new Error(`tradeProbability must be within 0..1, got ${w.tradeProbability}`);
  }
}
