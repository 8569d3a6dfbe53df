/**
 * Produces histories by running the real sequential stock model under random concurrency:
 * processes invoke ops, each op takes effect at one random instant between its invoke and its
 * completion (its linearization point), and some trades end as `info` (with or without having
 * taken effect). Such histories are linearizable by construction.
 */
import { createRng } from '../../common/rng.js';
import { HistoryBuilder } from './history-builder.js';

export interface SimOptions {
  seed: number;
  processes: number;
  opsCount: number;
  keys: readonly string[];
  initialQuantity: number;
  qtyMax: number;
  /** Probability that a trade ends as info. */
  infoProbability: number;
  /**
   * Instead of ending as info, such a trade stays open (its process moves on under a new id)
   * and completes ok with its real result after every other op, taking effect by then at the
   * latest (like the runner's final-phase retry with the same idempotency key).
   */
  resolveLate?: boolean;
}

type Pending = { f: 'buy' | 'sell' | 'read'; key: string; qty: number; applied: boolean; result: unknown; crashes: boolean };

export interface SimResult {
  history: HistoryBuilder;
  /** Sum of every SELL quantity invoked, per key (bounds any reachable quantity). */
  sellTotals: Map<string, number>;
}

export function simulateHistory(o: SimOptions): SimResult {
  const rng = createRng(o.seed);
  const b = new HistoryBuilder();
  const qty = new Map(o.keys.map((k) => [k, o.initialQuantity]));
  const sellTotals = new Map(o.keys.map((k) => [k, 0]));
  const pending = new Map<number, Pending>();
  let tx = 0;
  let invoked = 0;
  const apply = (p: Pending): void => {
    const q = qty.get(p.key) as number;
    p.applied = true;
    if (p.f === 'read') p.result = q;
    else if (p.f === 'sell') {
      qty.set(p.key, q + p.qty);
      p.result = ++tx;
    } else if (q >= p.qty) {
      qty.set(p.key, q - p.qty);
      p.result = ++tx;
    } else p.result = null;
  };
  const procOfSlot = Array.from({ length: o.processes }, (_, i) => i);
  const late: { p: number; op: Pending }[] = [];
  const complete = (p: number, op: Pending): void => {
    if (op.f === 'read') b.readOk(p, op.result as number);
    else if (op.result === null) b.rejected(p);
    else b.filled(p, op.result as number);
  };
  while (invoked < o.opsCount || pending.size > 0) {
    const slot = rng.int(0, o.processes);
    const p = procOfSlot[slot] as number;
    const op = pending.get(p);
    if (!op) {
      if (invoked >= o.opsCount) continue;
      invoked++;
      const f = rng.pick(['buy', 'sell', 'read'] as const);
      const key = rng.pick(o.keys);
      const amount = rng.int(1, o.qtyMax + 1);
      if (f === 'read') b.read(p, key);
      else if (f === 'buy') b.buy(p, key, amount);
      else {
        b.sell(p, key, amount);
        sellTotals.set(key, (sellTotals.get(key) as number) + amount);
      }
      pending.set(p, { f, key, qty: amount, applied: false, result: undefined, crashes: f !== 'read' && rng.chance(o.infoProbability) });
      continue;
    }
    if (!op.applied && !(op.crashes && rng.chance(0.5))) {
      apply(op);
      continue;
    }
    pending.delete(p);
    if (op.crashes && o.resolveLate === true) {
      late.push({ p, op });
      procOfSlot[slot] = o.processes + late.length;
    } else if (op.crashes) b.info(p);
    else complete(p, op);
  }
  for (const { p, op } of late) {
    if (!op.applied) apply(op);
    complete(p, op);
  }
  return { history: b, sellTotals };
}
