/**
 * In-process fakes of the Db, Nemesis and Client for unit tests of the runner: a sequential
 * Bazaar model behind a Client that takes a few ms per request and sometimes "times out"
 * (info) after or before applying. Bugs can be switched on to check that runs catch them.
 */
import { createRng } from '../../common/rng.js';
import type { Fault, Request } from '../generator.js';
import { OpF } from '../history.js';
import type { Client, Completion, Db, FaultRecord, Nemesis } from '../interfaces.js';

export interface FakeOptions {
  seed: number;
  initialQuantity: number;
  /** Probability a trade answers info (half of those after applying). */
  infoProbability: number;
  /** Bug: stock reads on n2 return the quantity before the latest trade. */
  staleReadsOnN2?: boolean;
  /** Bug: a retried idempotency key executes again. */
  forgetIdempotencyKeys?: boolean;
}

export class FakeBazaar implements Client {
  private readonly qty = new Map<string, number>();
  private readonly previous = new Map<string, number>();
  private readonly orders: { name: string; type: 'BUY' | 'SELL'; quantity: number }[] = [];
  private readonly keys = new Map<string, Completion>();
  private readonly rng;

  constructor(private readonly o: FakeOptions) {
    this.rng = createRng(o.seed);
  }

  invokeValue(request: Request): { f: OpF; key: string | null; value: unknown } {
    if (request.f === OpF.ReadOrder) return { f: request.f, key: null, value: { tx: request.tx } };
    if (request.f === OpF.Read) return { f: request.f, key: request.key, value: null };
    return { f: request.f, key: request.key, value: { qty: request.qty, idempotency_key: request.idempotencyKey } };
  }

  async invoke(node: string, request: Request): Promise<Completion> {
    await new Promise((r) => setTimeout(r, this.rng.int(0, 4)));
    const result = this.apply(node, request);
    await new Promise((r) => setTimeout(r, this.rng.int(0, 4)));
    return result;
  }

  private apply(node: string, request: Request): Completion {
    if (request.f === OpF.Read) {
      const q = this.quantity(request.key);
      const stale = this.o.staleReadsOnN2 === true && node === 'n2';
      return { type: 'ok', value: { quantity: stale ? (this.previous.get(request.key) ?? q) : q } };
    }
    if (request.f === OpF.ReadOrder) {
      const order = this.orders[request.tx - 1];
      return { type: 'ok', value: order ? { tx: request.tx, ...order } : { tx: request.tx, found: false } };
    }
    const lost = this.rng.chance(this.o.infoProbability);
    if (lost && this.rng.chance(0.5)) return { type: 'info', value: null, error: 'timeout before apply' };
    const remembered = this.o.forgetIdempotencyKeys ? undefined : this.keys.get(request.idempotencyKey);
    const result = remembered ?? this.trade(request.f, request.key, request.qty);
    this.keys.set(request.idempotencyKey, result);
    return lost ? { type: 'info', value: null, error: 'timeout after apply' } : result;
  }

  private trade(f: 'buy' | 'sell', key: string, qty: number): Completion {
    const q = this.quantity(key);
    if (f === OpF.Buy && q < qty) return { type: 'ok', value: { qty, filled: false } };
    this.previous.set(key, q);
    this.qty.set(key, f === OpF.Buy ? q - qty : q + qty);
    this.orders.push({ name: key, type: f === OpF.Buy ? 'BUY' : 'SELL', quantity: qty });
    return { type: 'ok', value: { qty, filled: true, tx: this.orders.length } };
  }

  private quantity(key: string): number {
    return this.qty.get(key) ?? this.o.initialQuantity;
  }

  async close(): Promise<void> {}
}

export class FakeDb implements Db {
  readonly calls: string[] = [];
  nodes(): readonly string[] {
    return ['n1', 'n2', 'n3'];
  }
  nodeUrl(node: string): string {
    return `http://fake/${node}`;
  }
  async leader(): Promise<string | null> {
    return 'n1';
  }
  async kill(node: string): Promise<void> {
    this.calls.push(`kill ${node}`);
  }
  async start(node: string): Promise<void> {
    this.calls.push(`start ${node}`);
  }
  async pause(node: string): Promise<void> {
    this.calls.push(`pause ${node}`);
  }
  async resume(node: string): Promise<void> {
    this.calls.push(`resume ${node}`);
  }
  async awaitHealthy(): Promise<void> {}
  logsDir(): string {
    return '/nonexistent';
  }
  async close(): Promise<void> {}
}

export class FakeNemesis implements Nemesis {
  readonly calls: string[] = [];
  async invoke(fault: Fault): Promise<FaultRecord> {
    this.calls.push(`start ${fault.kind}`);
    return { f: fault.kind, detail: {} };
  }
  async stop(fault: Fault): Promise<FaultRecord> {
    this.calls.push(`stop ${fault.kind}`);
    return { f: fault.kind, detail: {} };
  }
  async heal(): Promise<FaultRecord> {
    this.calls.push('heal');
    return { f: 'heal', detail: {} };
  }
}
