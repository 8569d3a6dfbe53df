import type { TradeFailureCode, TradeType } from '../bazaar/model.js';

/**
 * What the HTTP layer needs from a node. The node wiring implements it with Raft (leader-local
 * propose or forwarding to the leader, ReadIndex reads); tests use LocalBackend (local-backend.ts).
 * Operational failures are thrown: BazaarError, or the Raft driver's RaftError (RAFT_ERR_* codes
 * become 503 + Retry-After in src/errors.ts).
 */

/** A validated, normalized trade: lower-case symbol, upper-case type, integer 1..1,000,000. */
export interface TradeRequest {
  readonly name: string;
  readonly type: TradeType;
  readonly quantity: number;
}

export type TradeOutcome =
  | { readonly ok: true; readonly transactionNumber: number; readonly replayed: boolean }
  | { readonly ok: false; readonly code: TradeFailureCode; readonly replayed: boolean };

export const ReadConsistency = { Linearizable: 'linearizable', Stale: 'stale' } as const;
export type ReadConsistency = (typeof ReadConsistency)[keyof typeof ReadConsistency];

export interface StockView {
  readonly name: string;
  /** Latest aggregated price known to this node, or null. */
  readonly price: number | null;
  readonly quantity: number;
  readonly volume: number;
}

export interface OrderView {
  readonly number: number;
  readonly name: string;
  readonly type: TradeType;
  readonly quantity: number;
  readonly price: number | null;
}

export interface OrderListItem {
  readonly number: number;
  readonly name: string;
  readonly type: TradeType;
  readonly quantity: number;
  readonly price: number | null;
  /** When the leader proposed the trade, ms since the epoch. */
  readonly executed_at: number;
}

/** `after` (ascending from after+1) or newest first (below `before`, if set); `limit` 1..LIST_LIMIT_MAX. */
export interface OrderListQuery {
  readonly after: number | null;
  readonly before: number | null;
  readonly limit: number;
}

export interface OrderPage {
  readonly orders: readonly OrderListItem[];
  /** Highest transaction number at the read (the newest order). */
  readonly lastTransactionNumber: number;
  /** Cursor for the next page in the same direction, null at the end. */
  readonly next: number | null;
}

export interface StockListQuery {
  readonly prefix: string;
  readonly after: string | null;
  readonly limit: number;
}

export interface StockPage {
  readonly stocks: readonly StockView[];
  /** `after` for the next page, null at the end. */
  readonly next: string | null;
}

export interface PeerView {
  readonly id: string;
  /** Leader only: highest log index known replicated on the peer; null elsewhere. */
  readonly matchIndex: number | null;
}

export interface ClusterStatusView {
  readonly nodeId: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly peers: readonly PeerView[];
  /** The configuration in effect on this node (membership changes). */
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

export interface BazaarBackend {
  /** Execute (or replay, for a known idempotency key) a trade, exactly once. */
  trade(request: TradeRequest, idempotencyKey: string | null): Promise<TradeOutcome>;
  /** null: no such stock. Linearizable reads wait for a read index from the leader (lease or ReadIndex round); stale ones read local state. */
  readStock(name: string, consistency: ReadConsistency): Promise<StockView | null>;
  /** Linearizable; null: no such order (or pruned). */
  readOrder(number: number): Promise<OrderView | null>;
  /** Linearizable page of orders (see listing.ts). */
  listOrders(query: OrderListQuery): Promise<OrderPage>;
  /** Linearizable page of stocks by name (see listing.ts). */
  listStocks(query: StockListQuery): Promise<StockPage>;
  clusterStatus(): Promise<ClusterStatusView>;
  /** Prometheus text exposition of every metric of the node (the app's registry included). */
  metricsText(): Promise<string>;
}
