import { getOrderEventually, type OrderData } from './bazaar-http.js';
import type { TradeLedger } from './trade-ledger.js';

/**
 * Reads the order log of one node (orders fromNumber.. until the first 404) and checks it
 * against a ledger: every acknowledged trade is there under its number with its fields, no
 * number is acknowledged twice, the log has no hole, and every order nobody acknowledged
 * matches a distinct indeterminate trade (it executed though its client saw no answer).
 */
export interface OrderAudit {
  readonly orders: readonly OrderData[];
  readonly problems: readonly string[];
  /** initialQuantity - bought + sold over the audited orders, per name. */
  quantityOf(name: string): number;
  volumeOf(name: string): number;
  /** Last order number seen (fromNumber - 1 when there is none). */
  readonly lastNumber: number;
}

const BATCH = 24;
/** Bound on the orders one audit reads. */
export const AUDIT_ORDERS_MAX = 200_000;

export async function auditOrders(base: string, ledger: TradeLedger, fromNumber: number): Promise<OrderAudit> {
  const orders: OrderData[] = [];
  for (let next = fromNumber; ; next += BATCH) {
    if (next - fromNumber > AUDIT_ORDERS_MAX) throw new Error(`more than ${AUDIT_ORDERS_MAX} orders to audit`);
    const batch = await Promise.all(Array.from({ length: BATCH }, (_, i) => getOrderEventually(base, next + i)));
    const firstMissing = batch.findIndex((o) => o === null);
    const present = (firstMissing === -1 ? batch : batch.slice(0, firstMissing)) as OrderData[];
    orders.push(...present);
    if (firstMissing !== -1) {
      if (batch.slice(firstMissing).some((o) => o !== null)) throw new Error(`order log has a hole at ${next + firstMissing}`);
      break;
    }
  }
  const problems: string[] = [];
  const byNumber = new Map(orders.map((o) => [o.number, o]));
  orders.forEach((o, i) => {
    if (o.number !== fromNumber + i) problems.push(`order lookup ${fromNumber + i} returned number ${o.number}`);
  });
  const ackedNumbers = new Set<number>();
  for (const t of ledger.acked) {
    if (ackedNumbers.has(t.transactionNumber)) problems.push(`transaction number ${t.transactionNumber} acknowledged twice`);
    ackedNumbers.add(t.transactionNumber);
    const o = byNumber.get(t.transactionNumber);
    if (o === undefined) problems.push(`acknowledged trade ${t.transactionNumber} ${JSON.stringify(t)} is missing`);
    else if (o.name !== t.name || o.type !== t.type || o.quantity !== t.quantity) {
      problems.push(`order ${t.transactionNumber} is ${JSON.stringify(o)}, acknowledged as ${JSON.stringify(t)}`);
    }
  }
  const unclaimed = [...ledger.indeterminate];
  for (const o of orders) {
    if (ackedNumbers.has(o.number)) continue;
    const i = unclaimed.findIndex((t) => t.name === o.name && t.type === o.type && t.quantity === o.quantity);
    if (i === -1) problems.push(`order ${o.number} ${JSON.stringify(o)} matches no acknowledged or indeterminate trade`);
    else unclaimed.splice(i, 1);
  }
  const quantity = new Map<string, number>();
  const volume = new Map<string, number>();
  for (const o of orders) {
    const q = quantity.get(o.name) ?? ledger.initialQuantity;
    quantity.set(o.name, o.type === 'BUY' ? q - o.quantity : q + o.quantity);
    volume.set(o.name, (volume.get(o.name) ?? 0) + o.quantity);
  }
  return {
    orders,
    problems,
    quantityOf: (name) => quantity.get(name) ?? ledger.initialQuantity,
    volumeOf: (name) => volume.get(name) ?? 0,
    lastNumber: fromNumber - 1 + orders.length,
  };
}
