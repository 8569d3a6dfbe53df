import { fileURLToPath } from 'node:url';
import {
  Client,
  credentials,
  type ClientDuplexStream,
  Metadata,
  status as GrpcStatus,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { TurnBatcher } from '../../common/turn-batcher.js';
import { HeaderAuthenticator, TransportRejection } from '../../raft/index.js';
import { ForwardStream, type WireReply } from './forward-stream.js';
import { serveForwardStream } from './forward-stream-service.js';

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
  /** ForwardTradeStream only: the batch's id on its stream (uint64, a string when received). */
  readonly batch_id?: number | string;
}

export interface ForwardTradesReply {
  /** replies[i] answers trades[i]. */
  readonly replies: readonly ForwardTradeReply[];
  /** ForwardTradeStream only: the batch answered. */
  readonly batch_id?: number | string;
}

/** Trades per ForwardTrades call at most; a fuller batch leaves at once (the leader refuses more). */
export const FORWARD_BATCH_TRADES_MAX = 256;

/**
 * Unanswered batches on one ForwardTradeStream at most, on both ends. A sender never reaches it:
 * it forwards at most FORWARDED_TRADES_IN_FLIGHT_MAX trades at once (raft-backend.ts), no more
 * than this. A leader ends a stream that goes over it.
 */
export const FORWARD_STREAM_BATCHES_IN_FLIGHT_MAX = 4096;

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
    ForwardTradeStream: (call: Parameters<typeof serveForwardStream>[0]) =>
      serveForwardStream(call, (header) => auth.check(header), (request) => handlers.forwardTrades(request), FORWARD_STREAM_BATCHES_IN_FLIGHT_MAX),
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
  /** Per peer (at most one per member), the open ForwardTradeStream its batches travel on. */
  private readonly forwardStreams = new Map<string, ForwardStream>();

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
    this.forwardStreams.get(id)?.close();
    this.forwardStreams.delete(id);
    this.clients.get(id)?.close();
    this.clients.set(id, new Client(address, credentials.createInsecure(), CHANNEL_OPTIONS));
    this.addresses.set(id, address);
  }

  /**
   * Forward one trade to the leader `to`. The trades of one event-loop turn to the same peer
   * leave as one batch (common/turn-batcher.ts, up to FORWARD_BATCH_TRADES_MAX), one message on
   * the peer's ForwardTradeStream (forward-stream.ts; unary ForwardTrades calls for a peer
   * without it). The batch's deadline is the latest of its trades' (the leader answers each
   * within its timeout_ms).
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
    return this.forwardStream(to).send(request, deadlineAtMs);
  }

  private forwardStream(to: string): ForwardStream {
    let stream = this.forwardStreams.get(to);
    if (stream === undefined) {
      stream = new ForwardStream(
        () => this.openForwardStream(to),
        async (request, deadlineAtMs) => (await this.call<ForwardTradesReply>(to, 'ForwardTrades', request, deadlineAtMs - Date.now())).replies,
        FORWARD_STREAM_BATCHES_IN_FLIGHT_MAX,
      );
      this.forwardStreams.set(to, stream);
    }
    return stream;
  }

  private openForwardStream(to: string): ClientDuplexStream<ForwardTradesRequest, WireReply> {
    const client = this.clients.get(to);
    // A peer without a channel (not a member, or after close()) fails the batch, as a unary call did.
    if (client === undefined) throw new Error(`no gRPC channel to ${to}`);
    const def = bazaarServiceDefinition().ForwardTradeStream;
    if (def === undefined) throw new Error('bazaar.proto lacks ForwardTradeStream');
    return client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize as (b: Buffer) => WireReply, new Metadata(), {});
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
    for (const stream of this.forwardStreams.values()) stream.close();
    this.forwardStreams.clear();
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
