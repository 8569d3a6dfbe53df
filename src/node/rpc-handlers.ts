import { Role, type RaftNode } from '../../raft/index.js';
import type { ApplyResult } from '../bazaar/model.js';
import { BazaarErrorCode } from '../errors.js';
import { PriceError } from '../prices/price-errors.js';
import type { RefreshNowOptions } from '../prices/price-pipeline.js';
import type { PriceService } from '../prices/price-service.js';
import type { AggregatedPrice } from '../prices/price-types.js';
import type {
  BazaarRpcClients,
  BazaarRpcHandlers,
  ForwardRefreshReply,
  ForwardTradesReply,
  TransferLeadershipReply,
} from './bazaar-rpc.js';
import type { RaftBackend } from './raft-backend.js';

/** Server side of the Bazaar RPCs: what the leader does for a forwarding follower. */
export function forwardingHandlers(deps: {
  backend: RaftBackend;
  raft: RaftNode<ApplyResult>;
  prices: PriceService;
  transferTo: (to: string) => Promise<void>;
  requestTimeoutMs: number;
}): BazaarRpcHandlers {
  return {
    forwardTrades: async (request): Promise<ForwardTradesReply> => ({ replies: await deps.backend.handleForwardedTrades(request.trades ?? []) }),
    forwardRefresh: async (request): Promise<ForwardRefreshReply> => {
      if (deps.raft.roleInfo().role !== Role.Leader) {
        return { price_json: '', error_code: 'RAFT_ERR_NOT_LEADER', error_message: 'not the leader', http_status: 503 };
      }
      try {
        const notBeforeMs = Number(request.not_before_ms ?? 0);
        const price = await deps.prices.routesOptions.refreshNow(request.asset, notBeforeMs > 0 ? { notBeforeMs } : {});
        return { price_json: JSON.stringify(price), error_code: '', error_message: '', http_status: 200 };
      } catch (err) {
        const e = err as { code?: unknown; httpStatus?: unknown; message?: string };
        return {
          price_json: '',
          error_code: typeof e.code === 'string' ? e.code : 'BAZAAR_ERR_INTERNAL',
          error_message: e.message ?? 'refresh failed',
          http_status: typeof e.httpStatus === 'number' ? e.httpStatus : 500,
        };
      }
    },
    transferLeadership: async (request): Promise<TransferLeadershipReply> => {
      try {
        await deps.transferTo(request.to);
        return { ok: true, error_code: '', error_message: '', leader: deps.raft.roleInfo().leader ?? '' };
      } catch (err) {
        return { ok: false, error_code: 'BAZAAR_ERR_UNAVAILABLE', error_message: (err as Error).message, leader: deps.raft.roleInfo().leader ?? '' };
      }
    },
  };
}

/** POST /refresh/{asset} and GET /prices misses: run on the leader, from any node (a miss's notBeforeMs travels along). */
export function routedRefresh(deps: {
  raft: RaftNode<ApplyResult>;
  prices: PriceService;
  rpc: BazaarRpcClients;
  nodeId: string;
  requestTimeoutMs: number;
}): (asset: string, options?: RefreshNowOptions) => Promise<AggregatedPrice> {
  return async (asset, options = {}) => {
    const st = deps.raft.roleInfo();
    if (st.role === Role.Leader) return deps.prices.routesOptions.refreshNow(asset, options);
    if (st.leader === null || st.leader === deps.nodeId) {
      throw new PriceError(BazaarErrorCode.Unavailable, 'no leader to refresh the price right now');
    }
    let reply: ForwardRefreshReply;
    try {
      reply = await deps.rpc.forwardRefresh(st.leader, { asset, timeout_ms: deps.requestTimeoutMs, not_before_ms: options.notBeforeMs ?? 0 }, deps.requestTimeoutMs);
    } catch (err) {
      throw new PriceError(BazaarErrorCode.Unavailable, `forwarding the refresh to leader ${st.leader} failed: ${(err as Error).message}`);
    }
    if (reply.http_status === 200) return JSON.parse(reply.price_json) as AggregatedPrice;
    throw new PriceError(reply.error_code === '' ? BazaarErrorCode.Unavailable : reply.error_code, reply.error_message);
  };
}
