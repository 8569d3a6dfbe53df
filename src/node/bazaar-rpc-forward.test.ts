/**
 * Trade forwarding over real gRPC sockets (BazaarRpcClients against a grpc-js server with the
 * node's service implementation): the trades of one event-loop turn travel as one ForwardTrades
 * call, replies reach their own trades, batches are bounded, and a failed call fails each trade.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BazaarRpcClients,
  FORWARD_BATCH_TRADES_MAX,
  RpcAuth,
  bazaarServiceDefinition,
  bazaarServiceImplementation,
  type BazaarRpcHandlers,
} from './bazaar-rpc.js';
import { MEMBERS, TOKEN, execute, trade } from './testing/forward-fixtures.js';


/** The leader's side, recorded: each trade "executes" with a transaction number from its quantity. */
function leaderHandlers(calls: { batches: number[] }): BazaarRpcHandlers {
    return {
    forwardTrades: async (request) => {
      calls.batches.push(request.trades.length);
      return { replies: request.trades.map(execute) };
    },
    forwardRefresh: () => Promise.reject(new Error('not in this test')),
    transferLeadership: () => Promise.reject(new Error('not in this test')),
  };
}

const servers: Server[] = [];
const clients: BazaarRpcClients[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))));
});

async function leader(handlers: BazaarRpcHandlers): Promise<BazaarRpcClients> {
  const server = new Server();
  server.addService(bazaarServiceDefinition(), bazaarServiceImplementation(new RpcAuth('c', TOKEN, 'n1', MEMBERS), handlers));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err))),
  );
  servers.push(server);
  const client = new BazaarRpcClients(new RpcAuth('c', TOKEN, 'n2', MEMBERS), new Map([['n1', `127.0.0.1:${port}`]]), 'n2');
  clients.push(client);
  return client;
}


describe('trade forwarding', () => {
  it('sends the trades of one turn as one ForwardTrades call and gives each its own reply', async () => {
    const calls = { batches: [] as number[] };
    const rpc = await leader(leaderHandlers(calls));
    const replies = await Promise.all([1, 2, 3, 4, 5].map((q) => rpc.forwardTrade('n1', trade(q), 2_000)));
    expect(replies.map((r) => r.transaction_number)).toEqual(['10', '20', '30', '40', '50']);
    expect(calls).toEqual({ batches: [5] });
    // A later turn is a new call.
    expect((await rpc.forwardTrade('n1', trade(7), 2_000)).transaction_number).toBe('70');
    expect(calls.batches).toEqual([5, 1]);
  });

  it(`splits a turn's trades into calls of at most ${FORWARD_BATCH_TRADES_MAX}`, async () => {
    const calls = { batches: [] as number[] };
    const rpc = await leader(leaderHandlers(calls));
    const count = 2 * FORWARD_BATCH_TRADES_MAX + 3;
    const replies = await Promise.all(Array.from({ length: count }, (_, i) => rpc.forwardTrade('n1', trade(i + 1), 5_000)));
    expect(replies.map((r) => Number(r.transaction_number))).toEqual(Array.from({ length: count }, (_, i) => (i + 1) * 10));
    expect(calls.batches).toEqual([FORWARD_BATCH_TRADES_MAX, FORWARD_BATCH_TRADES_MAX, 3]);
  });

  it('fails every trade of a call that fails, as separate calls would have failed', async () => {
    const calls = { batches: [] as number[] };
    const handlers = { ...leaderHandlers(calls), forwardTrades: () => Promise.reject(new Error('leader broke')) };
    const rpc = await leader(handlers);
    const results = await Promise.allSettled([1, 2].map((q) => rpc.forwardTrade('n1', trade(q), 2_000)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/leader broke/);
  });
});
