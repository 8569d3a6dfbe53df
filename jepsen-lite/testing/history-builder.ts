/**
 * Builds hand-written histories for tests: each call appends one line with the next index and
 * a time of index x 1 ms, so tests read like a transcript.
 */
import { validateHistory, type ClientOp, type HistoryOp, type OpF, type Phase } from '../history.js';

const NS_PER_LINE = 1_000_000;

export class HistoryBuilder {
  readonly ops: HistoryOp[] = [];
  private readonly open = new Map<number, ClientOp>();

  private push(op: Omit<ClientOp, 'index' | 'time'>): this {
    const line = { index: this.ops.length, time: this.ops.length * NS_PER_LINE, ...op } as ClientOp;
    this.ops.push(line);
    if (op.type === 'invoke') this.open.set(op.process, line);
    else this.open.delete(op.process);
    return this;
  }

  private pending(p: number): ClientOp {
    const op = this.open.get(p);
    if (!op) throw new Error(`builder: process ${p} has no open op`);
    return op;
  }

  buy(p: number, key: string, qty: number, idempotencyKey: string | null = null, node?: string): this {
    return this.invoke(p, 'buy', key, { qty, idempotency_key: idempotencyKey }, node);
  }

  sell(p: number, key: string, qty: number, idempotencyKey: string | null = null, node?: string): this {
    return this.invoke(p, 'sell', key, { qty, idempotency_key: idempotencyKey }, node);
  }

  read(p: number, key: string, node?: string): this {
    return this.invoke(p, 'read', key, null, node);
  }

  readOrder(p: number, tx: number): this {
    return this.invoke(p, 'read-order', null, { tx });
  }

  invoke(p: number, f: OpF, key: string | null, value: unknown, node?: string): this {
    return this.push({ process: p, type: 'invoke', f, key, value, ...(node === undefined ? {} : { node }) });
  }

  /** Completes a trade as filled with transaction number tx. */
  filled(p: number, tx: number): this {
    const inv = this.pending(p);
    return this.complete(p, 'ok', { qty: (inv.value as { qty: number }).qty, filled: true, tx });
  }

  rejected(p: number): this {
    const inv = this.pending(p);
    return this.complete(p, 'ok', { qty: (inv.value as { qty: number }).qty, filled: false });
  }

  readOk(p: number, quantity: number): this {
    return this.complete(p, 'ok', { quantity });
  }

  orderOk(p: number, name: string, type: 'BUY' | 'SELL', quantity: number): this {
    const tx = (this.pending(p).value as { tx: number }).tx;
    return this.complete(p, 'ok', { tx, name, type, quantity });
  }

  orderMissing(p: number): this {
    const tx = (this.pending(p).value as { tx: number }).tx;
    return this.complete(p, 'ok', { tx, found: false });
  }

  info(p: number): this {
    return this.complete(p, 'info', this.pending(p).value);
  }

  fail(p: number): this {
    return this.complete(p, 'fail', this.pending(p).value);
  }

  complete(p: number, type: 'ok' | 'fail' | 'info', value: unknown): this {
    const inv = this.pending(p);
    return this.push({ process: p, type, f: inv.f, key: inv.key, value, ...(inv.node === undefined ? {} : { node: inv.node }) });
  }

  nemesis(f: string, value: Record<string, unknown>): this {
    this.ops.push({ index: this.ops.length, time: this.ops.length * NS_PER_LINE, process: 'nemesis', type: 'info', f, value });
    return this;
  }

  phase(phase: Phase): this {
    return this.nemesis('phase', { phase });
  }

  build(): HistoryOp[] {
    validateHistory(this.ops);
    return this.ops;
  }
}
