import { status as GrpcStatus } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RaftError, Role } from '../../raft/index.js';
import { BazaarErrorCode } from '../errors.js';
import { FORWARD_BATCH_TRADES_MAX, type BazaarRpcClients, type ForwardTradeReply } from './bazaar-rpc.js';
import { RaftBackend, type RaftBackendOptions } from './raft-backend.js';

/**
 * Retry rules of RaftBackend.trade (pure control flow; Raft and gRPC are scripted stand-ins):
 * a trade is retried within the request deadline only when it provably did not execute.
 */

const TRADE = { name: 'aapl', type: 'BUY', quantity: 1 } as const;
const OK_REPLY: ForwardTradeReply = {
  executed: true,
  ok: true,
  transaction_number: '42',
  failure_code: '',
  replayed: false,
  error_code: '',
  error_message: '',
  leader: '',
};

interface Script {
  status: () => { role: string; leader: string | null };
  propose?: () => Promise<unknown>;
  forward?: () => Promise<ForwardTradeReply>;
  requestTimeoutMs?: number;
}

function backend(script: Script): { backend: RaftBackend; calls: { propose: number; forward: number } } {
  const calls = { propose: 0, forward: 0 };
  const raft = {
    roleInfo: script.status,
    on: () => undefined,
    propose: () => {
      calls.propose += 1;
      return script.propose?.() ?? Promise.reject(new Error('unexpected propose'));
    },
  };
  const rpc = {
    forwardTrade: () => {
      calls.forward += 1;
      return script.forward?.() ?? Promise.reject(new Error('unexpected forward'));
    },
  };
  const options = {
    nodeId: 'n1',
    raft,
    machine: {},
    reader: {},
    rpc: rpc as unknown as BazaarRpcClients,
    registry: new Registry(),
    requestTimeoutMs: script.requestTimeoutMs ?? 1_000,
    priceOf: () => null,
  } as unknown as RaftBackendOptions;
  return { backend: new RaftBackend(options), calls };
}

function grpcError(details: string): Error {
  return Object.assign(new Error(`14 UNAVAILABLE: ${details}`), { code: GrpcStatus.UNAVAILABLE, details });
}

describe('RaftBackend.trade retries', () => {
  it('retries on the leader while a leadership transfer refuses proposals, then forwards to the new leader', async () => {
    let transferred = false;
    const { backend: b, calls } = backend({
      status: () => (transferred ? { role: Role.Follower, leader: 'n2' } : { role: Role.Leader, leader: 'n1' }),
      propose: () => {
        transferred = true;
        return Promise.reject(new RaftError('RAFT_ERR_TRANSFER_IN_PROGRESS', 'transfer in progress'));
      },
      forward: () => Promise.resolve(OK_REPLY),
    });
    await expect(b.trade(TRADE, null)).resolves.toEqual({ ok: true, transactionNumber: 42, replayed: false });
    expect(calls).toEqual({ propose: 1, forward: 1 });
  });

  it('retries a forward the leader refused because a transfer is under way', async () => {
    let attempts = 0;
    const { backend: b, calls } = backend({
      status: () => ({ role: Role.Follower, leader: 'n2' }),
      forward: () => {
        attempts += 1;
        return Promise.resolve(attempts < 3 ? { ...OK_REPLY, executed: false, ok: false, error_code: 'RAFT_ERR_TRANSFER_IN_PROGRESS' } : OK_REPLY);
      },
    });
    await expect(b.trade(TRADE, null)).resolves.toMatchObject({ ok: true, transactionNumber: 42 });
    expect(calls.forward).toBe(3);
  });

  it('retries a forward that was never sent (no connection to a dead leader) until a new leader answers', async () => {
    let attempts = 0;
    const { backend: b } = backend({
      status: () => ({ role: Role.Follower, leader: attempts < 4 ? 'n3' : 'n2' }),
      forward: () => {
        attempts += 1;
        return attempts < 4 ? Promise.reject(grpcError('No connection established. Last error: connect ECONNREFUSED')) : Promise.resolve(OK_REPLY);
      },
    });
    await expect(b.trade(TRADE, null)).resolves.toMatchObject({ ok: true });
    expect(attempts).toBe(4);
  });

  it('answers 503 "not executed" when no leader is reachable within the deadline', async () => {
    const { backend: b } = backend({
      status: () => ({ role: Role.Follower, leader: 'n3' }),
      forward: () => Promise.reject(grpcError('No connection established. Last error: connect ECONNREFUSED')),
      requestTimeoutMs: 150,
    });
    await expect(b.trade(TRADE, null)).rejects.toMatchObject({ code: BazaarErrorCode.Unavailable, message: expect.stringContaining('was not executed'), executed: false });
  });

  it('does not retry a forward whose connection dropped mid-call (it may have executed)', async () => {
    const { backend: b, calls } = backend({
      status: () => ({ role: Role.Follower, leader: 'n2' }),
      forward: () => Promise.reject(grpcError('Connection dropped')),
    });
    await expect(b.trade(TRADE, null)).rejects.toMatchObject({ code: BazaarErrorCode.Unavailable, message: expect.stringContaining('may or may not'), executed: undefined });
    expect(calls.forward).toBe(1);
  });

  it('does not retry a proposal that timed out after it was appended', async () => {
    const { backend: b, calls } = backend({
      status: () => ({ role: Role.Leader, leader: 'n1' }),
      propose: () => Promise.reject(new RaftError('RAFT_ERR_TIMEOUT', 'timed out')),
    });
    await expect(b.trade(TRADE, null)).rejects.toMatchObject({ code: 'RAFT_ERR_TIMEOUT' });
    expect(calls.propose).toBe(1);
  });
});

describe('RaftBackend.handleForwardedTrades (leader side)', () => {
  const forwarded = { name: 'aapl', type: 'BUY', quantity: 1, idempotency_key: '', timeout_ms: 1_000 };

  it(`refuses a batch over FORWARD_BATCH_TRADES_MAX whole, proposing nothing`, async () => {
    const { backend: b, calls } = backend({ status: () => ({ role: Role.Leader, leader: 'n1' }), propose: () => Promise.resolve({ index: 1, result: null }) });
    const replies = await b.handleForwardedTrades(Array.from({ length: FORWARD_BATCH_TRADES_MAX + 1 }, () => forwarded));
    expect(replies).toHaveLength(FORWARD_BATCH_TRADES_MAX + 1);
    expect(new Set(replies.map((r) => `${r.executed}:${r.error_code}`))).toEqual(new Set([`false:${BazaarErrorCode.InvalidRequest}`]));
    expect(calls.propose).toBe(0);
  });

  it('answers each trade of a batch in order (here: this node is not the leader)', async () => {
    const { backend: b, calls } = backend({ status: () => ({ role: Role.Follower, leader: 'n2' }) });
    const replies = await b.handleForwardedTrades([forwarded, forwarded]);
    expect(replies.map((r) => [r.executed, r.error_code, r.leader])).toEqual([
      [false, 'RAFT_ERR_NOT_LEADER', 'n2'],
      [false, 'RAFT_ERR_NOT_LEADER', 'n2'],
    ]);
    expect(calls.propose).toBe(0);
  });
});
