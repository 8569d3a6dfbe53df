import { randomBytes } from 'node:crypto';
import type { ForwardTradeReply, ForwardTradeRequest } from '../bazaar-rpc.js';

/** Shared by the trade-forwarding tests over real gRPC (bazaar-rpc-forward, forward-stream). */

/** This run's cluster token (generated, never fixed). */
export const TOKEN = randomBytes(16).toString('hex');
/** The leader n1 and the forwarding follower n2. */
export const MEMBERS: ReadonlySet<string> = new Set(['n1', 'n2']);

export const EMPTY_REPLY: ForwardTradeReply = { executed: false, ok: false, transaction_number: '0', failure_code: '', replayed: false, error_code: '', error_message: '', leader: '' };

/** The leader's stand-in execution: a trade "executes" with its quantity x 10 as transaction number. */
export const execute = (trade: ForwardTradeRequest): ForwardTradeReply => ({ ...EMPTY_REPLY, executed: true, ok: true, transaction_number: String(trade.quantity * 10) });

/** A BUY of `quantity` btcusdt. */
export const trade = (quantity: number, timeoutMs = 2_000): ForwardTradeRequest => ({ name: 'btcusdt', type: 'BUY', quantity, idempotency_key: '', timeout_ms: timeoutMs });
