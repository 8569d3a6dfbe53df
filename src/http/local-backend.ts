import type { Registry } from 'prom-client';
import { EntryKind } from '../../raft/index.js';
import { encodeCommand, tradeCommandFor } from '../bazaar/commands.js';
import { SerialQueue } from '../bazaar/serial.js';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import { assert } from '../errors.js';
import type {
  BazaarBackend,
  ClusterStatusView,
  OrderListQuery,
  OrderPage,
  OrderView,
  ReadConsistency,
  StockListQuery,
  StockPage,
  StockView,
  TradeOutcome,
  TradeRequest,
} from './backend.js';
import { listOrders, listStocks } from './listing.js';

/**
 * A single-process BazaarBackend on the real state machine, without Raft: each trade becomes the
 * next log entry, applied at once. For HTTP-layer tests and single-node development; it is what
 * the Raft-backed backend looks like with a cluster of one (reads are trivially linearizable).
 */

export interface LocalBackendOptions {
  readonly machine: BazaarStateMachine;
  readonly registry: Registry;
  readonly nodeId: string;
  /** Latest aggregated price of a symbol, or null (price pipeline absent). */
  readonly priceOf?: (name: string) => number | null;
  readonly nowMs?: () => number;
}

export class LocalBackend implements BazaarBackend {
  private readonly queue = new SerialQueue();
  private readonly priceOf: (name: string) => number | null;
  private readonly nowMs: () => number;

  constructor(private readonly options: LocalBackendOptions) {
    this.priceOf = options.priceOf ?? (() => null);
    this.nowMs = options.nowMs ?? Date.now;
  }

  trade(request: TradeRequest, idempotencyKey: string | null): Promise<TradeOutcome> {
    return this.queue.run(async () => {
      const { machine } = this.options;
      const command = tradeCommandFor(request, idempotencyKey, { price: this.priceOf(request.name), executedAtMs: this.nowMs() });
      const entry = { index: machine.lastApplied + 1, term: 1, kind: EntryKind.Normal, data: encodeCommand(command) };
      const [result] = await machine.apply([entry]);
      assert(result !== undefined && result !== null, 'a trade entry yields a trade result');
      return result;
    });
  }

  readStock(name: string, _consistency: ReadConsistency): Promise<StockView | null> {
    const stock = this.options.machine.getStock(name);
    if (stock === null) return Promise.resolve(null);
    return Promise.resolve({ name: stock.name, price: this.priceOf(name), quantity: stock.quantity, volume: stock.volume });
  }

  async readOrder(number: number): Promise<OrderView | null> {
    const order = await this.options.machine.getOrder(number);
    if (order === null) return null;
    return { number: order.number, name: order.name, type: order.type, quantity: order.quantity, price: order.price };
  }

  listOrders(query: OrderListQuery): Promise<OrderPage> {
    return listOrders(this.options.machine, query);
  }

  listStocks(query: StockListQuery): Promise<StockPage> {
    return listStocks(this.options.machine, query, (names) => Promise.resolve(new Map(names.map((n) => [n, this.priceOf(n)]))));
  }

  clusterStatus(): Promise<ClusterStatusView> {
    const applied = this.options.machine.lastApplied;
    return Promise.resolve({
      nodeId: this.options.nodeId,
      role: 'leader',
      term: 1,
      leader: this.options.nodeId,
      commitIndex: applied,
      appliedIndex: applied,
      peers: [],
      voters: [this.options.nodeId],
      learners: [],
    });
  }

  metricsText(): Promise<string> {
    return this.options.registry.metrics();
  }
}
