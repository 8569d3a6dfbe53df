/**
 * The ForwardTradeStream over real gRPC sockets: BazaarRpcClients (what a follower runs) against
 * a grpc-js server with the node's service implementation, or one without the stream (an older
 * leader). Batches share one stream and are answered in any order; what a failure means for a
 * batch (never sent, maybe executed, refused) matches the unary call it replaces.
 */
import { randomBytes } from 'node:crypto';
import { Client, Metadata, Server, ServerCredentials, credentials, status as GrpcStatus, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BazaarRpcClients,
  RpcAuth,
  bazaarServiceDefinition,
  bazaarServiceImplementation,
  type BazaarRpcHandlers,
  type ForwardTradesReply,
  type ForwardTradesRequest,
} from './bazaar-rpc.js';
import { MEMBERS, TOKEN, execute, trade } from './testing/forward-fixtures.js';
import { serveForwardStream } from './forward-stream-service.js';


/** What the leader saw: batches by first quantity, streams opened, unary calls. */
interface Seen {
  batches: number[];
  streams: number;
  unaryCalls: number;
}

/** A trade whose quantity is in `held` waits until `release(quantity)`. */
function heldHandlers(seen: Seen): { handlers: BazaarRpcHandlers; release: (quantity: number) => void; arrived: (quantity: number) => Promise<void> } {
  const gates = new Map<number, { open: () => void; opened: Promise<void>; arrive: () => void; arrived: Promise<void> }>();
  const gate = (q: number) => {
    let g = gates.get(q);
    if (g === undefined) {
      let open = (): void => {};
      let arrive = (): void => {};
      const opened = new Promise<void>((resolve) => (open = resolve));
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      g = { open, opened, arrive, arrived };
      gates.set(q, g);
    }
    return g;
  };
  const handlers: BazaarRpcHandlers = {
    forwardTrades: async (request) => {
      const first = request.trades[0]?.quantity ?? 0;
      seen.batches.push(first);
      if (first >= 100) {
        gate(first).arrive();
        await gate(first).opened;
      }
      return { replies: request.trades.map(execute) };
    },
    forwardRefresh: () => Promise.reject(new Error('not in this test')),
    transferLeadership: () => Promise.reject(new Error('not in this test')),
  };
  return { handlers, release: (q) => gate(q).open(), arrived: (q) => gate(q).arrived };
}

const servers: Server[] = [];
const clients: BazaarRpcClients[] = [];
const rawClients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const client of rawClients.splice(0)) client.close();
  for (const server of servers.splice(0)) server.forceShutdown();
});

/** The node's service implementation, counted; `withStream: false` serves it as an older leader would. */
function countedImplementation(handlers: BazaarRpcHandlers, seen: Seen, withStream = true): UntypedServiceImplementation {
  const impl = bazaarServiceImplementation(new RpcAuth('c', TOKEN, 'n1', MEMBERS), handlers);
  const stream = impl['ForwardTradeStream'] as (call: unknown) => void;
  const unary = impl['ForwardTrades'] as (call: unknown, callback: unknown) => void;
  const counted: UntypedServiceImplementation = {
    ...impl,
    ForwardTrades: (call: unknown, callback: unknown) => {
      seen.unaryCalls += 1;
      unary(call, callback);
    },
    ForwardTradeStream: (call: unknown) => {
      seen.streams += 1;
      stream(call);
    },
  };
  if (!withStream) delete counted['ForwardTradeStream'];
  return counted;
}

/** As an older leader answers the stream (UNIMPLEMENTED), with the attempts counted in `seen.streams`. */
function refusingStream(handlers: BazaarRpcHandlers, seen: Seen): UntypedServiceImplementation {
  return {
    ...countedImplementation(handlers, seen),
    ForwardTradeStream: (call: { emit: (event: string, err: unknown) => void }) => {
      seen.streams += 1;
      call.emit('error', { code: GrpcStatus.UNIMPLEMENTED, details: 'not here' });
    },
  };
}

async function serve(impl: UntypedServiceImplementation, port = 0): Promise<number> {
  const server = new Server();
  server.addService(bazaarServiceDefinition(), impl);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err))),
  );
  servers.push(server);
  return bound;
}

function follower(port: number, token = TOKEN): BazaarRpcClients {
  const client = new BazaarRpcClients(new RpcAuth('c', token, 'n2', MEMBERS), new Map([['n1', `127.0.0.1:${port}`]]), 'n2');
  clients.push(client);
  return client;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ForwardTradeStream', () => {
  it('carries every batch on one stream and answers a later batch before a slower earlier one', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const { handlers, release, arrived } = heldHandlers(seen);
    const rpc = follower(await serve(countedImplementation(handlers, seen)));
    const slow = rpc.forwardTrade('n1', trade(100), 5_000);
    await arrived(100);
    const fast = await Promise.all([1, 2, 3].map((q) => rpc.forwardTrade('n1', trade(q), 5_000)));
    expect(fast.map((r) => r.transaction_number)).toEqual(['10', '20', '30']);
    release(100);
    expect((await slow).transaction_number).toBe('1000');
    expect((await rpc.forwardTrade('n1', trade(4), 5_000)).transaction_number).toBe('40');
    expect(seen).toEqual({ batches: [100, 1, 4], streams: 1, unaryCalls: 0 });
  });

  it('falls back to unary ForwardTrades calls for a leader without the stream, for that batch and every later one', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const { handlers } = heldHandlers(seen);
    const rpc = follower(await serve(countedImplementation(handlers, seen, false)));
    const first = await Promise.all([1, 2].map((q) => rpc.forwardTrade('n1', trade(q), 5_000)));
    expect(first.map((r) => r.transaction_number)).toEqual(['10', '20']);
    expect((await rpc.forwardTrade('n1', trade(3), 5_000)).transaction_number).toBe('30');
    expect(seen).toEqual({ batches: [1, 3], streams: 0, unaryCalls: 2 });
    // After the first UNIMPLEMENTED the follower does not try the stream again.
    const seen2: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const rpc2 = follower(await serve(refusingStream(heldHandlers(seen2).handlers, seen2)));
    for (const q of [1, 2, 3]) expect((await rpc2.forwardTrade('n1', trade(q), 5_000)).transaction_number).toBe(String(q * 10));
    expect(seen2).toEqual({ batches: [1, 2, 3], streams: 1, unaryCalls: 3 });
  });

  it('reports a leader it never reached as never sent (UNAVAILABLE, no connection established)', async () => {
    const port = await serve(countedImplementation(heldHandlers({ batches: [], streams: 0, unaryCalls: 0 }).handlers, { batches: [], streams: 0, unaryCalls: 0 }));
    servers.pop()?.forceShutdown();
    const rpc = follower(port);
    const err = (await rpc.forwardTrade('n1', trade(1), 5_000).then(
      () => null,
      (e: unknown) => e,
    )) as { code?: number; details?: string } | null;
    expect(err?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(err?.details).toMatch(/^No connection established/);
  });

  it('fails a batch in flight when the stream breaks, not as never sent, and opens a new stream for the next batch', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const { handlers, arrived } = heldHandlers(seen);
    const port = await serve(countedImplementation(handlers, seen));
    const rpc = follower(port);
    const held = rpc.forwardTrade('n1', trade(100), 5_000).then(
      () => null,
      (e: unknown) => e as { code?: number; details?: string },
    );
    await arrived(100);
    servers.pop()?.forceShutdown();
    const err = await held;
    expect(err).not.toBeNull();
    expect(err?.details ?? '').not.toMatch(/^No connection established/);
    const seen2: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    await serve(countedImplementation(heldHandlers(seen2).handlers, seen2), port);
    await expect.poll(async () => (await rpc.forwardTrade('n1', trade(5), 5_000).catch(() => null))?.transaction_number ?? null, { timeout: 10_000 }).toBe('50');
    expect(seen2.streams).toBe(1);
  });

  it('fails a batch past its deadline, drops its late answer, and keeps the stream for the next batch', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const { handlers, release, arrived } = heldHandlers(seen);
    const rpc = follower(await serve(countedImplementation(handlers, seen)));
    const late = rpc.forwardTrade('n1', trade(100), 200).then(
      () => null,
      (e: unknown) => e as { code?: number },
    );
    await arrived(100);
    expect((await late)?.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    release(100);
    expect((await rpc.forwardTrade('n1', trade(6), 5_000)).transaction_number).toBe('60');
    expect(seen).toEqual({ batches: [100, 6], streams: 1, unaryCalls: 0 });
  });

  it('refuses a stream whose header does not authenticate, running none of its trades', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const rpc = follower(await serve(countedImplementation(heldHandlers(seen).handlers, seen)), randomBytes(16).toString('hex'));
    const err = (await rpc.forwardTrade('n1', trade(1), 5_000).then(
      () => null,
      (e: unknown) => e,
    )) as { code?: number } | null;
    expect(err?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(seen.batches).toEqual([]);
  });
});

describe('serveForwardStream (leader side)', () => {
  async function rawStream(max: number, held: ReturnType<typeof heldHandlers>) {
    const auth = new RpcAuth('c', TOKEN, 'n1', MEMBERS);
    const halfClose = { seen: false };
    const port = await serve({
      ForwardTradeStream: (call: Parameters<typeof serveForwardStream>[0]) => {
        call.on('end', () => (halfClose.seen = true));
        serveForwardStream(call, (h) => auth.check(h), (r) => held.handlers.forwardTrades(r), max);
      },
    });
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    rawClients.push(client);
    const def = bazaarServiceDefinition().ForwardTradeStream;
    if (def === undefined) throw new Error('no ForwardTradeStream');
    const call = client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize as (b: Buffer) => ForwardTradesReply, new Metadata(), {});
    const replies: ForwardTradesReply[] = [];
    call.on('data', (r: ForwardTradesReply) => replies.push(r));
    const status = new Promise<{ code: number }>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    const header = new RpcAuth('c', TOKEN, 'n2', MEMBERS).header('n1');
    const write = (batchId: number, quantity: number): void => {
      call.write({ header, trades: [trade(quantity)], batch_id: batchId } satisfies ForwardTradesRequest);
    };
    return { call, replies, status, write, halfClose };
  }

  it('answers the batches in flight when the sender half-closes, then ends the stream OK', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const held = heldHandlers(seen);
    const s = await rawStream(8, held);
    s.write(7, 100);
    s.write(8, 2);
    await held.arrived(100);
    await expect.poll(() => s.replies.length).toBe(1);
    s.call.end();
    await expect.poll(() => s.halfClose.seen).toBe(true);
    expect(s.replies).toHaveLength(1);
    held.release(100);
    expect((await s.status).code).toBe(GrpcStatus.OK);
    expect(s.replies.map((r) => [String(r.batch_id), r.replies[0]?.transaction_number])).toEqual([
      ['8', '20'],
      ['7', '1000'],
    ]);
  });

  it('ends a stream with more unanswered batches than its bound (RESOURCE_EXHAUSTED), running none past it', async () => {
    const seen: Seen = { batches: [], streams: 0, unaryCalls: 0 };
    const held = heldHandlers(seen);
    const s = await rawStream(2, held);
    s.write(1, 100);
    s.write(2, 101);
    s.write(3, 102);
    expect((await s.status).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(seen.batches).toEqual([100, 101]);
    held.release(100);
    held.release(101);
    await nextTurn();
    expect(s.replies).toEqual([]);
  });
});
