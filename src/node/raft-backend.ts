import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { RaftError, Role, type RaftNode } from '../../raft/index.js';
import { encodeCommand, tradeCommandFor } from '../bazaar/commands.js';
import type { ApplyResult, TradeFailureCode } from '../bazaar/model.js';
import { parseTradeType } from '../bazaar/model.js';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import type { StockReader } from '../cache/stock-reader.js';
import { BazaarError, BazaarErrorCode, assert } from '../errors.js';
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
} from '../http/backend.js';
import { listOrders, listStocks } from '../http/listing.js';
import { LeaderChangeWaiters } from './leader-change-waiters.js';
import { FORWARD_BATCH_TRADES_MAX, FORWARD_STREAM_BATCHES_IN_FLIGHT_MAX, type BazaarRpcClients, type ForwardTradeReply, type ForwardTradeRequest } from './bazaar-rpc.js';

/**
 * BazaarBackend on Raft. Writes: the leader proposes the trade command and answers once it is
 * applied; a follower forwards to the leader over gRPC and relays the answer. With no leader,
 * the call waits for the driver's next leader change (re-checking every `leaderRetryMs`) up to
 * `requestTimeoutMs`, then 503.
 * Reads: linearizable through ReadIndex (StockReader), or stale from local state.
 */
export interface RaftBackendOptions {
  readonly nodeId: string;
  readonly raft: RaftNode<ApplyResult>;
  readonly machine: BazaarStateMachine;
  readonly reader: StockReader;
  readonly rpc: BazaarRpcClients;
  readonly registry: Registry;
  readonly requestTimeoutMs: number;
  /** The leader's latest aggregated price of a symbol (null: none known); used for trades. */
  readonly priceOf: (name: string) => number | null;
  /**
   * The latest price to show with a stock: the leader's own, or on a follower the one the
   * leader published to Redis (null when none or Redis is unavailable).
   */
  readonly displayPriceOf?: (name: string) => Promise<number | null>;
  /** A trade that found no leader to take it tries again after this long, or at once on a leader change (default LEADER_RETRY_MS). */
  readonly leaderRetryMs?: number;
}

/**
 * A trade that found no leader to take it (none known, the known one unreachable or refusing)
 * tries again after this long, or as soon as the driver reports a leader change (bounded by
 * requestTimeoutMs overall). Polling alone made every failover wait up to this much more.
 */
export const LEADER_RETRY_MS = 25;

/**
 * Raft refusals that prove the trade was never appended to the log (so retrying it cannot
 * execute it twice): the node is not the leader, or a leadership transfer is under way.
 */
const NOT_APPENDED_CODES: ReadonlySet<string> = new Set(['RAFT_ERR_NOT_LEADER', 'RAFT_ERR_TRANSFER_IN_PROGRESS']);

/**
 * gRPC UNAVAILABLE raised while picking a connection (the channel to the leader has none, e.g.
 * the leader process is gone): the call was never written to any connection, so it did not
 * execute. A connection that dropped mid-call ("Connection dropped") is not this case.
 */
function neverSent(err: unknown): boolean {
  const e = err as { code?: unknown; details?: unknown };
  return e.code === GrpcStatus.UNAVAILABLE && typeof e.details === 'string' && e.details.startsWith('No connection established');
}

/** A forwarded trade's reply before it says anything: not executed, no error. */
const NO_REPLY: ForwardTradeReply = { executed: false, ok: false, transaction_number: '0', failure_code: '', replayed: false, error_code: '', error_message: '', leader: '' };

/** Trades this node forwards to the leader at once; more get a 503 (not executed) at once. */
export const FORWARDED_TRADES_IN_FLIGHT_MAX = 4096;
// A batch holds at least one trade, so the stream's batch bound is never what refuses a trade.
assert(FORWARDED_TRADES_IN_FLIGHT_MAX <= FORWARD_STREAM_BATCHES_IN_FLIGHT_MAX, 'forwarded trades in flight fit the forward stream');

export class RaftBackend implements BazaarBackend {
  private forwardsInFlight = 0;
  private readonly leaderChange = new LeaderChangeWaiters();
  private readonly leaderRetryMs: number;

  constructor(private readonly o: RaftBackendOptions) {
    this.leaderRetryMs = o.leaderRetryMs ?? LEADER_RETRY_MS;
    if (!Number.isInteger(this.leaderRetryMs) || this.leaderRetryMs < 1) throw new Error(`leaderRetryMs must be an integer >= 1, got ${this.leaderRetryMs}`);
    o.raft.on('leader-change', () => this.leaderChange.notify());
  }

  async trade(request: TradeRequest, idempotencyKey: string | null): Promise<TradeOutcome> {
    const deadline = Date.now() + this.o.requestTimeoutMs;
    for (;;) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw unavailable('no leader reachable within the request timeout; the trade was not executed', undefined, false);
      const st = this.o.raft.roleInfo();
      if (st.role === Role.Leader) {
        try {
          return await this.executeHere(request, idempotencyKey, remainingMs);
        } catch (err) {
          // Refused before it was appended (e.g. a leadership transfer is under way): retry.
          if (!NOT_APPENDED_CODES.has(String((err as { code?: unknown }).code))) throw err;
        }
      } else if (st.leader !== null && st.leader !== this.o.nodeId) {
        const outcome = await this.forward(st.leader, request, idempotencyKey, remainingMs);
        if (outcome !== null) return outcome;
      }
      await this.leaderChange.wait(Math.min(this.leaderRetryMs, remainingMs));
    }
  }

  /** On the leader: propose, wait for apply, return the state machine's result. */
  async executeHere(request: TradeRequest, idempotencyKey: string | null, timeoutMs: number): Promise<TradeOutcome> {
    const command = tradeCommandFor(request, idempotencyKey, { price: this.o.priceOf(request.name), executedAtMs: Date.now() });
    const outcome = await this.o.raft.propose(encodeCommand(command), timeoutMs);
    const result = outcome.result;
    assert(result !== null && result !== undefined, 'a trade entry yields a trade result');
    return result.ok
      ? { ok: true, transactionNumber: result.transactionNumber, replayed: result.replayed }
      : { ok: false, code: result.code, replayed: result.replayed };
  }

  /** Returns null when the peer was not (or no longer) the leader: the caller retries. */
  private async forward(leader: string, request: TradeRequest, key: string | null, remainingMs: number): Promise<TradeOutcome | null> {
    if (this.forwardsInFlight >= FORWARDED_TRADES_IN_FLIGHT_MAX) {
      throw unavailable(`${this.forwardsInFlight} trades already forwarded to the leader from this node; the trade was not executed`, undefined, false);
    }
    this.forwardsInFlight += 1;
    try {
      return await this.forwardOnce(leader, request, key, remainingMs);
    } finally {
      this.forwardsInFlight -= 1;
    }
  }

  private async forwardOnce(leader: string, request: TradeRequest, key: string | null, remainingMs: number): Promise<TradeOutcome | null> {
    let reply: ForwardTradeReply;
    try {
      reply = await this.o.rpc.forwardTrade(
        leader,
        { name: request.name, type: request.type, quantity: request.quantity, idempotency_key: key ?? '', timeout_ms: Math.max(1, remainingMs - 50) },
        remainingMs,
      );
    } catch (err) {
      if (neverSent(err)) return null;
      throw unavailable(`forwarding to leader ${leader} failed (${(err as Error).message}); the trade may or may not have executed`, err);
    }
    if (reply.executed) {
      return reply.ok
        ? { ok: true, transactionNumber: Number(reply.transaction_number), replayed: reply.replayed }
        : { ok: false, code: reply.failure_code as TradeFailureCode, replayed: reply.replayed };
    }
    if (NOT_APPENDED_CODES.has(reply.error_code)) return null;
    if (reply.error_code.startsWith('RAFT_ERR_')) throw new RaftError(reply.error_code as never, reply.error_message);
    throw new BazaarError(BazaarErrorCode.Internal, `leader ${leader} failed the trade: ${reply.error_message}`);
  }

  /**
   * Leader side of ForwardTrades: the trades run at once, so they share the leader's next
   * Ready; replies[i] answers trades[i]. A batch over FORWARD_BATCH_TRADES_MAX (no sender builds
   * one) is refused whole, nothing executed. Every failure is in the replies, never thrown.
   */
  async handleForwardedTrades(trades: readonly ForwardTradeRequest[]): Promise<ForwardTradeReply[]> {
    if (trades.length > FORWARD_BATCH_TRADES_MAX) {
      const message = `${trades.length} forwarded trades in one call, more than ${FORWARD_BATCH_TRADES_MAX}`;
      return trades.map(() => ({ ...NO_REPLY, error_code: BazaarErrorCode.InvalidRequest, error_message: message }));
    }
    return Promise.all(trades.map((trade) => this.handleForwardedTrade(trade)));
  }

  private async handleForwardedTrade(fields: ForwardTradeRequest): Promise<ForwardTradeReply> {
    const st = this.o.raft.roleInfo();
    if (st.role !== Role.Leader) return { ...NO_REPLY, error_code: 'RAFT_ERR_NOT_LEADER', error_message: `${this.o.nodeId} is not the leader`, leader: st.leader ?? '' };
    const type = parseTradeType(fields.type);
    if (type === null || !Number.isInteger(fields.quantity) || fields.quantity < 1 || fields.quantity > 1_000_000 || fields.name.length === 0) {
      return { ...NO_REPLY, error_code: BazaarErrorCode.InvalidRequest, error_message: 'malformed forwarded trade' };
    }
    try {
      const timeoutMs = Math.min(Math.max(1, fields.timeout_ms), this.o.requestTimeoutMs);
      const out = await this.executeHere({ name: fields.name, type, quantity: fields.quantity }, fields.idempotency_key === '' ? null : fields.idempotency_key, timeoutMs);
      return out.ok
        ? { ...NO_REPLY, executed: true, ok: true, transaction_number: String(out.transactionNumber), replayed: out.replayed }
        : { ...NO_REPLY, executed: true, ok: false, failure_code: out.code, replayed: out.replayed };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { ...NO_REPLY, error_code: typeof code === 'string' ? code : BazaarErrorCode.Internal, error_message: (err as Error).message, leader: this.o.raft.roleInfo().leader ?? '' };
    }
  }

  async readStock(name: string, consistency: ReadConsistency): Promise<StockView | null> {
    const read = consistency === 'stale' ? await this.o.reader.readStale(name) : await this.o.reader.readLinearizable(name);
    if (read.stock === null) return null;
    const local = this.o.priceOf(name);
    const price = local !== null || this.o.displayPriceOf === undefined ? local : await this.o.displayPriceOf(name);
    return { name: read.stock.name, price, quantity: read.stock.quantity, volume: read.stock.volume };
  }

  async readOrder(number: number): Promise<OrderView | null> {
    await this.o.raft.readIndex(this.o.requestTimeoutMs);
    const order = await this.o.machine.getOrder(number);
    if (order === null) return null;
    return { number: order.number, name: order.name, type: order.type, quantity: order.quantity, price: order.price };
  }

  async listOrders(query: OrderListQuery): Promise<OrderPage> {
    await this.o.raft.readIndex(this.o.requestTimeoutMs);
    return listOrders(this.o.machine, query);
  }

  async listStocks(query: StockListQuery): Promise<StockPage> {
    await this.o.raft.readIndex(this.o.requestTimeoutMs);
    return listStocks(this.o.machine, query, async (names) => {
      const prices = await Promise.all(names.map(async (n) => [n, this.o.priceOf(n) ?? (await this.o.displayPriceOf?.(n)) ?? null] as const));
      return new Map(prices);
    });
  }

  clusterStatus(): Promise<ClusterStatusView> {
    const st = this.o.raft.status();
    const matchOf = new Map(st.progress.map((p) => [p.id, p.match]));
    return Promise.resolve({
      nodeId: this.o.nodeId,
      role: st.role,
      term: st.term,
      leader: st.leader,
      commitIndex: st.commit,
      appliedIndex: this.o.machine.lastApplied,
      peers: [...st.voters, ...st.learners]
        .filter((id) => id !== this.o.nodeId)
        .map((id) => ({ id, matchIndex: st.role === Role.Leader ? (matchOf.get(id) ?? 0) : null })),
      voters: st.voters,
      learners: st.learners,
    });
  }

  metricsText(): Promise<string> {
    return this.o.registry.metrics();
  }
}

function unavailable(message: string, cause?: unknown, executed?: boolean): BazaarError {
  return new BazaarError(BazaarErrorCode.Unavailable, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(executed === undefined ? {} : { executed }),
  });
}
