import type { TradeBody } from './bazaar-http.js';

/**
 * What a test's clients learned about the trades they sent: acknowledged (200, with a
 * transaction number), refused (a definite 4xx: not executed), or indeterminate (503, timeout,
 * connection error: may or may not have executed). Derives the bounds a stock's quantity must
 * lie in, starting from `initialQuantity`.
 */
export interface AckedTrade extends TradeBody {
  readonly transactionNumber: number;
}

export interface QuantityBounds {
  readonly min: number;
  readonly max: number;
  /** Exact value when nothing is indeterminate. */
  readonly exact: number | null;
}

export class TradeLedger {
  readonly acked: AckedTrade[] = [];
  readonly refused: TradeBody[] = [];
  readonly indeterminate: TradeBody[] = [];

  constructor(readonly initialQuantity: number) {}

  record(trade: TradeBody, status: number, transactionNumber: number | null): void {
    if (status === 200) {
      if (transactionNumber === null || !Number.isInteger(transactionNumber)) throw new Error(`200 without a transaction number for ${JSON.stringify(trade)}`);
      this.acked.push({ ...trade, transactionNumber });
    } else if (status === 503 || status === 0) {
      this.indeterminate.push(trade);
    } else if (status >= 400 && status < 500) {
      this.refused.push(trade);
    } else {
      throw new Error(`unexpected status ${status} for ${JSON.stringify(trade)}`);
    }
  }

  /**
   * Quantity bounds of `name`. An indeterminate BUY may have lowered it, an indeterminate SELL
   * may have raised it. (A refused BUY - 409 - executed nothing, so it does not count.)
   */
  quantityBounds(name: string): QuantityBounds {
    let base = this.initialQuantity;
    for (const t of this.acked) if (t.name === name) base += t.type === 'BUY' ? -t.quantity : t.quantity;
    let down = 0;
    let up = 0;
    for (const t of this.indeterminate) {
      if (t.name !== name) continue;
      if (t.type === 'BUY') down += t.quantity;
      else up += t.quantity;
    }
    return { min: base - down, max: base + up, exact: down === 0 && up === 0 ? base : null };
  }

  /** Volume bounds of `name` (every executed trade adds its quantity). */
  volumeBounds(name: string): { min: number; max: number } {
    let min = 0;
    let extra = 0;
    for (const t of this.acked) if (t.name === name) min += t.quantity;
    for (const t of this.indeterminate) if (t.name === name) extra += t.quantity;
    return { min, max: min + extra };
  }

  names(): string[] {
    return [...new Set([...this.acked, ...this.indeterminate].map((t) => t.name))];
  }
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be an integer >= 1, got ${limit}`);
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function testSeed(): number {
  const raw = process.env['BAZAAR_TEST_SEED'];
  const seed = raw === undefined ? Date.now() % 1_000_000 : Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`BAZAAR_TEST_SEED must be an integer, got "${raw}"`);
  return seed;
}
