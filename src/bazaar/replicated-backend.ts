import { BazaarError, BazaarErrorCode, assert } from '../errors.js';
import type { StockReader } from '../cache/stock-reader.js';
import type {
  BazaarBackend,
  ClusterStatusView,
  OrderView,
  ReadConsistency,
  StockView,
  TradeOutcome,
  TradeRequest,
} from '../http/backend.js';
import { encodeCommand, tradeCommandFor } from './commands.js';
import type { ApplyResult } from './model.js';
import type { BazaarStateMachine } from './state-machine.js';

/**
 * BazaarBackend over a replicated log, so the node wiring only adapts its Raft node and its
 * forwarding client to two small ports:
 *  - trades: on the leader, build the command (leader-chosen price and time) and propose it;
 *    elsewhere, forward to the leader (which calls `executeOnLeader`). Exactly once comes from
 *    the Idempotency-Key kept by the state machine: a client retry after a timeout or a leader
 *    change replays the original outcome instead of trading twice.
 *  - reads: /stocks through StockReader (ReadIndex or stale, see src/cache/stock-cache.ts);
 *    /orders after a ReadIndex barrier, from the local state machine.
 */

export interface ReplicationPort {
  /** Append on this node as leader; resolves once applied here, with the entry's apply result. */
  propose(data: Uint8Array): Promise<{ readonly index: number; readonly result: ApplyResult }>;
  /** Linearizable read barrier: resolves with the read index once this node applied it. */
  readIndex(): Promise<number>;
  isLeader(): boolean;
  status(): ClusterStatusView;
}

export interface TradeForwarder {
  /** Send the trade to the current leader (which runs executeOnLeader) and return its outcome. */
  forward(request: TradeRequest, idempotencyKey: string | null): Promise<TradeOutcome>;
}

export interface ReplicatedBackendOptions {
  readonly machine: BazaarStateMachine;
  readonly replication: ReplicationPort;
  /** null: followers answer 503 and clients go to the leader themselves. */
  readonly forwarder: TradeForwarder | null;
  readonly reader: StockReader;
  readonly priceOf: (name: string) => number | null;
  readonly nowMs: () => number;
  readonly metricsText: () => Promise<string>;
}

export class ReplicatedBackend implements BazaarBackend {
  constructor(private readonly options: ReplicatedBackendOptions) {}

  trade(request: TradeRequest, idempotencyKey: string | null): Promise<TradeOutcome> {
    if (this.options.replication.isLeader()) return this.executeOnLeader(request, idempotencyKey);
    if (this.options.forwarder !== null) return this.options.forwarder.forward(request, idempotencyKey);
    return Promise.reject(new BazaarError(BazaarErrorCode.Unavailable, 'this node is not the leader'));
  }

  /** Leader side of a trade (also the handler of forwarded trades). */
  async executeOnLeader(request: TradeRequest, idempotencyKey: string | null): Promise<TradeOutcome> {
    const command = tradeCommandFor(request, idempotencyKey, {
      price: this.options.priceOf(request.name),
      executedAtMs: this.options.nowMs(),
    });
    const { result } = await this.options.replication.propose(encodeCommand(command));
    assert(result !== null, 'a trade entry yields a trade result');
    return result;
  }

  async readStock(name: string, consistency: ReadConsistency): Promise<StockView | null> {
    const read =
      consistency === 'stale' ? await this.options.reader.readStale(name) : await this.options.reader.readLinearizable(name);
    if (read.stock === null) return null;
    const { stock } = read;
    return { name: stock.name, price: this.options.priceOf(stock.name), quantity: stock.quantity, volume: stock.volume };
  }

  async readOrder(number: number): Promise<OrderView | null> {
    await this.options.replication.readIndex();
    const order = await this.options.machine.getOrder(number);
    if (order === null) return null;
    return { number: order.number, name: order.name, type: order.type, quantity: order.quantity, price: order.price };
  }

  clusterStatus(): Promise<ClusterStatusView> {
    return Promise.resolve(this.options.replication.status());
  }

  metricsText(): Promise<string> {
    return this.options.metricsText();
  }
}
