import { fileURLToPath } from 'node:url';
import {
  Client,
  credentials,
  Metadata,
  status as GrpcStatus,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { TurnBatcher } from '../../common/turn-batcher.js';
import { HeaderAuthenticator, TransportRejection } from '../../raft/index.js';

/**
 * The `bazaar.node.Bazaar` gRPC service (proto/bazaar.proto): loading, header authentication,
 * the server implementation shell, and a client with per-call deadlines.
 */

const PROTO_PATH = fileURLToPath(new URL('../../proto/bazaar.proto', import.meta.url));

export interface RpcHeader {
  readonly cluster_id: string;
  readonly token: string;
  readonly from: string;
  readonly to: string;
}

/** One trade of a ForwardTrades call. */
export interface ForwardTradeRequest {
  readonly name: string;
  readonly type: string;
  readonly quantity: number;
  readonly idempotency_key: string;
  readonly timeout_ms: number;
}

export interface ForwardTradeReply {
  readonly executed: boolean;
  readonly ok: boolean;
  readonly transaction_number: string;
  readonly failure_code: string;
  readonly replayed: boolean;
  readonly error_code: string;
  readonly error_message: string;
  readonly leader: string;
}

export interface ForwardTradesRequest {
  readonly header: RpcHeader;
  readonly trades: readonly ForwardTradeRequest[];
}

export interface ForwardTradesReply {
  /** replies[i] answers trades[i]. */
  readonly replies: readonly ForwardTradeReply[];
}

/** Trades per ForwardTrades call at most; a fuller batch leaves at once (the leader refuses more). */
export const FORWARD_BATCH_TRADES_MAX = 256;

export interface ForwardRefreshRequest {
  readonly header: RpcHeader;
  readonly asset: string;
  readonly timeout_ms: number;
  /** uint64 (a string when received, proto-loader `longs: String`); 0: always fetch. */
  readonly not_before_ms?: number | string;
}

export interface ForwardRefreshReply {
  readonly price_json: string;
  readonly error_code: string;
  readonly error_message: string;
  readonly http_status: number;
}

export interface TransferLeadershipRequest {
  readonly header: RpcHeader;
  readonly to: string;
}

export interface TransferLeadershipReply {
  readonly ok: boolean;
  readonly error_code: string;
  readonly error_message: string;
  readonly leader: string;
}

export interface BazaarRpcHandlers {
  forwardTrades(request: ForwardTradesRequest): Promise<ForwardTradesReply>;
  forwardRefresh(request: ForwardRefreshRequest): Promise<ForwardRefreshReply>;
  transferLeadership(request: TransferLeadershipRequest): Promise<TransferLeadershipReply>;
}

let cachedDefinition: ServiceDefinition | null = null;

export function bazaarServiceDefinition(): ServiceDefinition {
  if (cachedDefinition !== null) return cachedDefinition;
  const pkg = loadSync(PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const def = pkg['bazaar.node.Bazaar'];
  if (def === undefined || !('ForwardTrades' in def)) throw new Error(`${PROTO_PATH}: service bazaar.node.Bazaar not found`);
  cachedDefinition = def as unknown as ServiceDefinition;
  return cachedDefinition;
}

/**
 * The cluster header of every Bazaar RPC, checked by the Raft transport's HeaderAuthenticator
 * (one peer header check for both gRPC services): constant-time cluster id and token, a known
 * sender other than this node, this node as recipient.
 */
export class RpcAuth {
  readonly #authenticator: HeaderAuthenticator;

  constructor(
    private readonly clusterId: string,
    private readonly token: string,
    private readonly selfId: string,
    members: ReadonlySet<string>,
  ) {
    this.#authenticator = new HeaderAuthenticator(clusterId, token, selfId, new Set([...members].filter((id) => id !== selfId)));
  }

  header(to: string): RpcHeader {
    return { cluster_id: this.clusterId, token: this.token, from: this.selfId, to };
  }

  /** Returns null when valid, else the reason. */
  check(header: RpcHeader | undefined | null): string | null {
    if (header === undefined || header === null) return 'missing header';
    try {
      this.#authenticator.verify({ clusterId: header.cluster_id ?? '', token: header.token ?? '', from: header.from ?? '', to: header.to ?? '' });
      return null;
    } catch (err) {
      if (err instanceof TransportRejection) return err.message;
      throw err;
    }
  }
}

type UnaryCall = { request: { header?: RpcHeader } };
type UnaryCallback = (error: Partial<ServiceError> | null, reply?: unknown) => void;

/** Server implementation: authenticate, then hand to the handlers; never throws into grpc-js. */
export function bazaarServiceImplementation(auth: RpcAuth, handlers: BazaarRpcHandlers): UntypedServiceImplementation {
  const wrap =
    (fn: (request: never) => Promise<unknown>) =>
    (call: UnaryCall, callback: UnaryCallback): void => {
      const reason = auth.check(call.request.header);
      if (reason !== null) {
        callback({ code: GrpcStatus.UNAUTHENTICATED, details: reason });
        return;
      }
      fn(call.request as never).then(
        (reply) => callback(null, reply),
        (err: unknown) => callback({ code: GrpcStatus.INTERNAL, details: (err as Error).message ?? 'internal error' }),
      );
    };
  return {
    ForwardTrades: wrap(handlers.forwardTrades.bind(handlers) as (r: never) => Promise<unknown>),
    ForwardRefresh: wrap(handlers.forwardRefresh.bind(handlers) as (r: never) => Promise<unknown>),
    TransferLeadership: wrap(handlers.transferLeadership.bind(handlers) as (r: never) => Promise<unknown>),
  };
}

/** Reconnect quickly after a peer comes back (grpc-js defaults of 1 s..120 s are far too slow). */
const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
  'grpc.keepalive_time_ms': 2000,
  'grpc.keepalive_timeout_ms': 2000,
  'grpc.keepalive_permit_without_calls': 1,
  // No channelz: nothing reads it, and it keeps per-call bookkeeping (a Date per call).
  'grpc.enable_channelz': 0,
};

/** Client side, one channel per peer. */
export class BazaarRpcClients {
  private readonly clients = new Map<string, Client>();
  private readonly addresses = new Map<string, string>();
  /** Per peer (at most one per member), its turn's forwarded trades. */
  private readonly forwardBatchers = new Map<string, TurnBatcher<DeadlinedTrade, ForwardTradeReply>>();

  constructor(
    private readonly auth: RpcAuth,
    peers: ReadonlyMap<string, string>,
    selfId: string,
  ) {
    for (const [id, address] of peers) {
      if (id !== selfId) {
        this.clients.set(id, new Client(address, credentials.createInsecure(), CHANNEL_OPTIONS));
        this.addresses.set(id, address);
      }
    }
  }

  /** Membership: reach `id` at `address` (a member added by a configuration change). Same address: no-op. */
  setPeer(id: string, address: string): void {
    const known = this.addresses.get(id);
    if (known === address) return;
    this.clients.get(id)?.close();
    this.clients.set(id, new Client(address, credentials.createInsecure(), CHANNEL_OPTIONS));
    this.addresses.set(id, address);
  }

  /**
   * Forward one trade to the leader `to`. The trades of one event-loop turn to the same peer
   * leave as one ForwardTrades call (common/turn-batcher.ts, up to FORWARD_BATCH_TRADES_MAX):
   * one gRPC call, stream and set of call objects per batch instead of per trade. The call's
   * deadline is the latest of its trades' (the leader answers each within its timeout_ms).
   */
  forwardTrade(to: string, request: ForwardTradeRequest, deadlineMs: number): Promise<ForwardTradeReply> {
    let batcher = this.forwardBatchers.get(to);
    if (batcher === undefined) {
      batcher = new TurnBatcher((trades) => this.forwardTrades(to, trades), FORWARD_BATCH_TRADES_MAX);
      this.forwardBatchers.set(to, batcher);
    }
    return batcher.add({ trade: request, deadlineAtMs: Date.now() + Math.max(1, deadlineMs) });
  }

  private async forwardTrades(to: string, trades: readonly DeadlinedTrade[]): Promise<readonly ForwardTradeReply[]> {
    const deadlineAtMs = Math.max(...trades.map((t) => t.deadlineAtMs));
    const request = { trades: trades.map((t) => t.trade), header: this.auth.header(to) };
    const reply = await this.call<ForwardTradesReply>(to, 'ForwardTrades', request, deadlineAtMs - Date.now());
    return reply.replies;
  }

  forwardRefresh(to: string, request: Omit<ForwardRefreshRequest, 'header'>, deadlineMs: number): Promise<ForwardRefreshReply> {
    return this.call(to, 'ForwardRefresh', { ...request, header: this.auth.header(to) }, deadlineMs);
  }

  transferLeadership(to: string, target: string, deadlineMs: number): Promise<TransferLeadershipReply> {
    return this.call(to, 'TransferLeadership', { to: target, header: this.auth.header(to) }, deadlineMs);
  }

  private call<Reply>(to: string, method: BazaarMethod, request: unknown, deadlineMs: number): Promise<Reply> {
    const client = this.clients.get(to);
    if (client === undefined) return Promise.reject(new Error(`no gRPC channel to ${to}`));
    const def = bazaarServiceDefinition()[method];
    if (def === undefined) return Promise.reject(new Error(`unknown method ${method}`));
    return new Promise<Reply>((resolve, reject) => {
      client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize as (b: Buffer) => Reply,
        request,
        new Metadata(),
        { deadline: Date.now() + Math.max(1, deadlineMs) },
        (err, reply) => (err !== null || reply === undefined ? reject(err ?? new Error('empty reply')) : resolve(reply)),
      );
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    // Batches not sent yet fail when their turn ends: no channel is left.
    this.clients.clear();
  }
}

type BazaarMethod = 'ForwardTrades' | 'ForwardRefresh' | 'TransferLeadership';

/** A forwarded trade waiting for its turn's ForwardTrades call. */
interface DeadlinedTrade {
  readonly trade: ForwardTradeRequest;
  readonly deadlineAtMs: number;
}
