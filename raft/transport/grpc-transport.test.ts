import { Client, credentials, Metadata, type ServiceDefinition } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { EntryKind, MessageType, type Message } from '../core/types.js';
import type { GrpcTransport } from './grpc-transport.js';
import type { SendMode } from './transport-options.js';
import { reserveFreePort } from '../../common/free-port.js';
import { comparable, heartbeat, loopback, makeTransport, patternBytes, Recorder, waitFor } from './transport-test-kit.js';

const open: GrpcTransport[] = [];
function track(t: GrpcTransport): GrpcTransport {
  open.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function pairOf(overrides: Parameters<typeof makeTransport>[3] = {}) {
  const [portA, portB] = [await reserveFreePort(), await reserveFreePort()];
  const a = track(makeTransport('n1', portA, { n2: portB }, overrides));
  const b = track(makeTransport('n2', portB, { n1: portA }, overrides));
  const hooksA = new Recorder();
  const hooksB = new Recorder();
  await a.start(hooksA);
  await b.start(hooksB);
  return { a, b, hooksA, hooksB, portA, portB };
}

const bytes = patternBytes;

function oneOfEach(from: string, to: string): Message[] {
  const base = { from, to, term: 7 };
  return [
    { ...base, type: MessageType.Append, prevIndex: 4, prevTerm: 6, commit: 4, entries: [
      { index: 5, term: 7, kind: EntryKind.Empty, data: new Uint8Array(0) },
      { index: 6, term: 7, kind: EntryKind.Normal, data: bytes(100, 1) },
    ] },
    { ...base, type: MessageType.AppendResp, reject: true, index: 9, hintIndex: 3, hintTerm: 2 },
    { ...base, type: MessageType.Vote, lastIndex: 6, lastTerm: 7, transfer: true },
    { ...base, type: MessageType.PreVote, lastIndex: 6, lastTerm: 6, transfer: false },
    { ...base, type: MessageType.VoteResp, reject: false },
    { ...base, type: MessageType.PreVoteResp, reject: true },
    { ...base, type: MessageType.Heartbeat, commit: 6, readRound: 12 },
    { ...base, type: MessageType.HeartbeatResp, readRound: 12 },
    { ...base, type: MessageType.TimeoutNow },
    { ...base, type: MessageType.ReadIndex, context: 'read-1' },
    { ...base, type: MessageType.ReadIndexResp, context: 'read-1', index: 6, reject: false },
  ];
}

describe.each<SendMode>(['stream', 'unary'])('GrpcTransport over loopback, sendMode %s', (sendMode) => {
  const pair = (overrides: Parameters<typeof makeTransport>[3] = {}) => pairOf({ sendMode, ...overrides });

  it('delivers every message type, singly (named RPCs) and batched, in order', async () => {
    const { a, b, hooksA, hooksB } = await pair({ reorderWaitMs: 1000 });
    const singles = oneOfEach('n1', 'n2');
    for (const message of singles) a.send([message]);
    await waitFor('singles at n2', () => hooksB.messages.length === singles.length);
    expect(hooksB.messages.map(comparable)).toEqual(singles.map(comparable));

    const batched = oneOfEach('n2', 'n1');
    b.send(batched);
    await waitFor('batch at n1', () => hooksA.messages.length === batched.length);
    expect(hooksA.messages.map(comparable)).toEqual(batched.map(comparable));
    expect(b.stats().sentCalls).toBeLessThan(batched.length);
    expect(hooksA.unreachable).toEqual([]);
    console.log('stats n1', a.stats(), 'stats n2', b.stats());
  });

  it('streams a multi-chunk snapshot and reports success', async () => {
    const { a, hooksA, hooksB } = await pair({ chunkBytes: 64 * 1024 });
    const data = bytes(1024 * 1024 + 17, 5);
    const snapshot: Message = { type: MessageType.Snapshot, from: 'n1', to: 'n2', term: 9, snapshot: { meta: { index: 1000, term: 8, voters: ['n1', 'n2'], learners: ['n3'], addresses: { n3: '127.0.0.1:1' } }, data } };
    a.send([snapshot, heartbeat('n1', 'n2', 9)]);
    await waitFor('snapshot status', () => hooksA.snapshots.length === 1);
    expect(hooksA.snapshots).toEqual([{ peer: 'n2', ok: true }]);
    await waitFor('snapshot + heartbeat at n2', () => hooksB.messages.length === 2);
    const received = hooksB.messages.find((m) => m.type === MessageType.Snapshot);
    expect(received && comparable(received)).toEqual(comparable(snapshot));
    expect(a.stats().snapshotsSent).toBe(1);
  });

  it('streams a snapshot read lazily from the sender (empty data in the message), or fails it when there is none', async () => {
    const { a, hooksA, hooksB } = await pair({ chunkBytes: 16 * 1024 });
    const data = bytes(300 * 1024 + 5, 7);
    hooksA.dataSources.set(77, data);
    const lazy = (index: number): Message => ({ type: MessageType.Snapshot, from: 'n1', to: 'n2', term: 4, snapshot: { meta: { index, term: 4, voters: ['n1', 'n2'] }, data: new Uint8Array(0) } });
    a.send([lazy(77)]);
    await waitFor('snapshot status', () => hooksA.snapshots.length === 1);
    expect(hooksA.snapshots).toEqual([{ peer: 'n2', ok: true }]);
    const received = hooksB.messages.find((m) => m.type === MessageType.Snapshot);
    expect(received?.type === MessageType.Snapshot && Buffer.from(received.snapshot.data).equals(Buffer.from(data))).toBe(true);
    a.send([lazy(78)]); // no view at 78: fails at once, nothing delivered
    await waitFor('second snapshot status', () => hooksA.snapshots.length === 2);
    expect(hooksA.snapshots[1]).toEqual({ peer: 'n2', ok: false });
    expect(hooksB.messages.filter((m) => m.type === MessageType.Snapshot)).toHaveLength(1);
  });

  it('pipelines and batches a stream of appends, preserving order', async () => {
    // A generous deadline: on a loaded machine one late call would drop the queue (by design), which this test is not about.
    const { a, hooksB } = await pair({ reorderWaitMs: 1000, callDeadlineMs: 5000 });
    const count = 2000;
    const sent: Message[] = [];
    for (let i = 0; i < count; i++) {
      const entry = { index: i + 1, term: 1, kind: EntryKind.Normal, data: bytes(200, i) };
      const m: Message = { type: MessageType.Append, from: 'n1', to: 'n2', term: 1, prevIndex: i, prevTerm: i === 0 ? 0 : 1, commit: i, entries: [entry] };
      sent.push(m);
      a.send([m]);
    }
    const started = performance.now();
    await waitFor('all appends', () => hooksB.messages.length === count, 20_000);
    const stats = a.stats();
    console.log(`${count} appends in ${stats.sentCalls} calls, ${(performance.now() - started).toFixed(1)} ms after the last send`);
    expect(hooksB.messages.map(comparable)).toEqual(sent.map(comparable));
    expect(stats.sentCalls).toBeLessThan(count);
    expect(stats.droppedQueueFull).toBe(0);
  });

  it('reports a down peer unreachable and reaches it again after it restarts on the same port', async () => {
    const { a, b, hooksA, hooksB, portA, portB } = await pair();
    a.send([heartbeat('n1', 'n2', 1)]);
    await waitFor('first heartbeat', () => hooksB.messages.length === 1);
    await b.close();
    a.send([heartbeat('n1', 'n2', 2)]);
    await waitFor('unreachable n2', () => hooksA.unreachable.includes('n2'));
    expect(a.stats().unreachable).toBeGreaterThan(0);

    // Stay down long enough for the reconnect backoff to reach its 500 ms cap, sending as a leader would.
    let term = 3;
    const ticker = setInterval(() => a.send([heartbeat('n1', 'n2', term++)]), 20);
    const restarted = track(makeTransport('n2', portB, { n1: portA }, { sendMode }));
    const hooksRestarted = new Recorder();
    let upAt = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await restarted.start(hooksRestarted);
      upAt = performance.now();
      await waitFor('a heartbeat at the restarted n2', () => hooksRestarted.messages.length > 0, 5000);
    } finally {
      clearInterval(ticker);
    }
    const reconnectMs = performance.now() - upAt;
    console.log(`[${sendMode}] reconnected to the restarted peer ${reconnectMs.toFixed(0)} ms after it was back (down 1.5 s; unreachable reports: ${hooksA.unreachable.length})`);
    expect(hooksRestarted.messages[0]?.type).toBe(MessageType.Heartbeat);
    // The restarted peer's answers reach the sender too (its own stream / calls to n1).
    restarted.send([heartbeat('n2', 'n1', 1)]);
    await waitFor('a heartbeat from the restarted n2', () => hooksA.messages.length > 0);
  });

  it('reports unreachable and drops the oldest message when a peer queue overflows', async () => {
    const [portA, portDead] = [await reserveFreePort(), await reserveFreePort()];
    const a = track(makeTransport('n1', portA, { n2: portDead }, { sendMode, maxQueuedMessagesPerPeer: 2, maxInflightCallsPerPeer: 1 }));
    const hooks = new Recorder();
    await a.start(hooks);
    a.send([1, 2, 3, 4, 5].map((t) => heartbeat('n1', 'n2', t)));
    // Queue bound 2: messages 1..3 dropped (each reported), 4 and 5 go as one batch that fails.
    expect(a.stats().droppedQueueFull).toBe(3);
    a.send([6, 7].map((t) => heartbeat('n1', 'n2', t)));
    await waitFor('the batch to the dead peer failing', () => a.stats().unreachable === 3 + 1);
    if (sendMode === 'unary') {
      // Queued behind the in-flight batch, then dropped when it fails.
      expect(a.stats().sentCalls).toBe(1);
      expect(a.stats().droppedAfterFailure).toBe(2);
    } else {
      // Written onto the same (doomed) stream as a second batch; one stream, one failure report.
      expect(a.stats().sentCalls).toBe(2);
      expect(a.stats().streamsOpened).toBe(1);
    }
    expect(hooks.unreachable.every((p) => p === 'n2')).toBe(true);
    // After the failure the next message opens a new stream / call, which fails and is reported again.
    a.send([heartbeat('n1', 'n2', 8)]);
    await waitFor('the next send to the dead peer failing', () => a.stats().unreachable === 3 + 2);
  });

  it('serves extra services on the same port and exposes a port chosen by the OS', async () => {
    const echo: ServiceDefinition = {
      Echo: {
        path: '/test.Echo/Echo',
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: Buffer) => v,
        requestDeserialize: (v: Buffer) => v,
        responseSerialize: (v: Buffer) => v,
        responseDeserialize: (v: Buffer) => v,
        originalName: 'echo',
      },
    };
    const t = track(makeTransport('n1', 0, { n2: await reserveFreePort() }, {
      extraServices: [{ definition: echo, implementation: { Echo: (call: { request: Buffer }, cb: (e: null, v: Buffer) => void) => cb(null, Buffer.concat([call.request, Buffer.from('!')])) } }],
    }));
    await t.start(new Recorder());
    expect(t.boundPort).toBeGreaterThan(0);
    const client = new Client(`${loopback}:${t.boundPort}`, credentials.createInsecure());
    try {
      const reply = await new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest('/test.Echo/Echo', (v: Buffer) => v, (v: Buffer) => v, Buffer.from('hi'), new Metadata(), { deadline: Date.now() + 2000 }, (e, v) => (e || v === undefined ? reject(e) : resolve(v))),
      );
      expect(reply.toString()).toBe('hi!');
    } finally {
      client.close();
    }
    expect(() => t.addService({ definition: echo, implementation: {} })).toThrow(/before start/);
  });

  it('closes promptly while a snapshot is streaming', async () => {
    const { a, hooksA } = await pair({ chunkBytes: 16 * 1024, closeGraceMs: 100 });
    const data = bytes(8 * 1024 * 1024, 3);
    a.send([{ type: MessageType.Snapshot, from: 'n1', to: 'n2', term: 2, snapshot: { meta: { index: 10, term: 2, voters: ['n1', 'n2'] }, data } }]);
    const started = performance.now();
    await Promise.all(open.splice(0).map((t) => t.close()));
    const closeMs = performance.now() - started;
    console.log(`close() with a snapshot in flight took ${closeMs.toFixed(0)} ms`);
    expect(closeMs).toBeLessThan(5000);
    a.send([heartbeat('n1', 'n2', 3)]); // after close: dropped silently
    expect(hooksA.unreachable).toEqual([]);
  });

});

describe('GrpcTransport peer streams', () => {
  const appends = (count: number): Message[] =>
    Array.from({ length: count }, (_, i): Message => ({
      type: MessageType.Append, from: 'n1', to: 'n2', term: 1, prevIndex: i, prevTerm: i === 0 ? 0 : 1, commit: i,
      entries: [{ index: i + 1, term: 1, kind: EntryKind.Normal, data: bytes(64, i) }],
    }));

  it('keeps order over one stream, with no reordering machinery involved', async () => {
    const { a, hooksB } = await pairOf({ sendMode: 'stream', reorderWaitMs: 0, callDeadlineMs: 5000 });
    const sent = appends(3000);
    for (const m of sent) a.send([m]);
    await waitFor('all appends', () => hooksB.messages.length === sent.length, 20_000);
    expect(hooksB.messages.map(comparable)).toEqual(sent.map(comparable));
    expect(a.stats().streamsOpened).toBe(1);
    expect(a.stats().unreachable).toBe(0);
  });

  it('rotates streams at their deadline without losing or reordering anything', async () => {
    const { a, b, hooksB } = await pairOf({ sendMode: 'stream', streamRotateMs: 25, callDeadlineMs: 5000 });
    const sent = appends(1500);
    // Spread the sends over ~0.6 s so many rotations fall in the middle of the traffic.
    for (let i = 0; i < sent.length; i += 25) {
      a.send(sent.slice(i, i + 25));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor('all appends', () => hooksB.messages.length === sent.length, 20_000);
    const stats = a.stats();
    console.log(`rotation: ${sent.length} appends over ${stats.streamsOpened} streams (${stats.streamsRotated} rotated), receiver calls ${b.stats().receivedCalls}`);
    expect(hooksB.messages.map(comparable)).toEqual(sent.map(comparable));
    expect(stats.streamsRotated).toBeGreaterThan(3);
    expect(stats.unreachable).toBe(0);
    expect(stats.droppedAfterFailure + stats.droppedQueueFull).toBe(0);
  });

  it('reports unreachable when a peer accepts TCP but never answers (deadline / drain timeout)', async () => {
    // A peer that accepts TCP but never speaks HTTP/2: the stream must not hang forever.
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, loopback, resolve));
    const holePort = (blackHole.address() as { port: number }).port;
    try {
      const a = track(makeTransport('n1', await reserveFreePort(), { n2: holePort }, { callDeadlineMs: 300, streamRotateMs: 200 }));
      const hooks = new Recorder();
      await a.start(hooks);
      a.send(appends(50));
      await waitFor('black-holed peer unreachable', () => hooks.unreachable.length > 0, 5000);
      expect(hooks.unreachable[0]).toBe('n2');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});

describe('GrpcTransport options', () => {
  it('validates options up front with precise messages', () => {
    expect(() => makeTransport('n1', 0, { n1: 1 })).toThrow(/peers must not contain this node's id n1/);
    expect(() => makeTransport('n1', 70000, {})).toThrow(/listenPort must be an integer in \[0, 65535\]/);
    expect(() => makeTransport('n1', 0, {}, { clusterToken: 'short' })).toThrow(/clusterToken must be 8\.\.1024 bytes/);
    expect(() => makeTransport('n1', 0, {}, { callDeadlineMs: 0 })).toThrow(/callDeadlineMs/);
    expect(() => makeTransport('n1', 0, {}, { streamRotateMs: 5 })).toThrow(/streamRotateMs must be an integer in \[10,/);
    expect(() => makeTransport('n1', 0, {}, { sendMode: 'udp' as never })).toThrow(/sendMode must be one of stream, unary, got "udp"/);
    expect(() => makeTransport('n1', 0, {}, { chunkBytes: 10 * 1024 * 1024 })).toThrow(/chunkBytes/);
    expect(() => makeTransport('n1', 0, {}, { peers: { n2: 'nowhere' } })).toThrow(/peers\.n2 must be 'host:port'/);
  });
});
