import { reserveFreePort } from '../../common/free-port.js';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryKind, MessageType, type Message } from '../core/types.js';
import { encodeBody, encodeEnvelope, encodeHeader, type WireHeader } from './codec.js';
import type { GrpcTransport } from './grpc-transport.js';
import { RaftMethod, raftServiceDefinition } from './raft-proto.js';
import { snapshotChunks } from './snapshot-codec.js';
import {
  heartbeat,
  loopback,
  makeTransport,
  patternBytes,
  Recorder,
  testClusterId,
  testToken,
  waitFor,
} from './transport-test-kit.js';

const maxMessageBytes = 64 * 1024;
const maxSnapshotBytes = 100_000;

let server: GrpcTransport;
const hooks = new Recorder();
let client: Client;
let peerPort: number;

beforeAll(async () => {
  peerPort = await reserveFreePort();
  server = makeTransport('n2', 0, { n1: peerPort }, { maxMessageBytes, maxSnapshotBytes });
  await server.start(hooks);
  client = new Client(`${loopback}:${server.boundPort}`, credentials.createInsecure(), {
    'grpc.max_send_message_length': 16 * 1024 * 1024,
  });
});

afterAll(async () => {
  client.close();
  await server.close();
});

const goodHeader: WireHeader = { clusterId: testClusterId, token: testToken, from: 'n1', to: 'n2', senderEpoch: 'raw', seq: 0, seqFloor: 0 };
const identity = (value: Buffer): Buffer => value;

function method(name: string) {
  const m = raftServiceDefinition()[name];
  if (m === undefined) throw new Error(`no method ${name}`);
  return m;
}

function unary(name: string, request: unknown, serialize = method(name).requestSerialize): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(method(name).path, serialize, identity, request, new Metadata(), { deadline: Date.now() + 5000 }, (error) => resolve(error));
  });
}

function batch(header: Partial<WireHeader>, messages: Message[]): Promise<ServiceError | null> {
  return unary(RaftMethod.Batch, { header: encodeHeader({ ...goodHeader, ...header }), messages: messages.map((m) => encodeEnvelope(m as never)) });
}

function stream(chunks: readonly unknown[]): Promise<ServiceError | null> {
  const m = method(RaftMethod.InstallSnapshot);
  return new Promise((resolve) => {
    const call = client.makeClientStreamRequest(m.path, m.requestSerialize, identity, new Metadata(), { deadline: Date.now() + 5000 }, (error) => resolve(error));
    call.on('error', () => {});
    for (const chunk of chunks) call.write(chunk);
    call.end();
  });
}

const rejected = (reason: string): number => server.stats().rejected[reason as keyof ReturnType<GrpcTransport['stats']>['rejected']];

describe('GrpcTransport rejects bad peer requests, counts them, keeps serving', () => {
  it('rejects a wrong token or cluster id with UNAUTHENTICATED and delivers nothing', async () => {
    expect((await batch({ token: 'not-the-token' }, [heartbeat('n1', 'n2', 1)]))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect((await batch({ clusterId: 'other-cluster' }, [heartbeat('n1', 'n2', 1)]))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(rejected('bad-token')).toBe(1);
    expect(rejected('wrong-cluster')).toBe(1);
    expect(hooks.messages).toEqual([]);
  });

  it('a transport configured with the wrong token sees its peer unreachable', async () => {
    const intruder = makeTransport('n1', peerPort, { n2: server.boundPort }, { clusterToken: 'wrong-token-123' });
    const intruderHooks = new Recorder();
    await intruder.start(intruderHooks);
    try {
      intruder.send([heartbeat('n1', 'n2', 1)]);
      await waitFor('intruder unreachable', () => intruderHooks.unreachable.length === 1);
      expect(rejected('bad-token')).toBe(2);
      expect(hooks.messages).toEqual([]);
    } finally {
      await intruder.close();
    }
  });

  it('rejects undecodable bytes, out-of-range values and unknown nodes with INVALID_ARGUMENT', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    expect((await unary(RaftMethod.Batch, garbage, identity))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(rejected('malformed')).toBe(1);

    const gap: Message = { type: MessageType.Append, from: 'n1', to: 'n2', term: 2, prevIndex: 1, prevTerm: 1, commit: 0, entries: [{ index: 5, term: 2, kind: EntryKind.Normal, data: new Uint8Array(1) }] };
    expect((await unary(RaftMethod.AppendEntries, { header: encodeHeader(goodHeader), message: encodeBody(gap as never) }))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(rejected('out-of-range')).toBe(1);

    expect((await batch({ from: 'n7' }, [heartbeat('n7', 'n2', 1)]))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect((await batch({ to: 'n3' }, [heartbeat('n1', 'n3', 1)]))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(rejected('unknown-node')).toBe(1);
    expect(rejected('wrong-recipient')).toBe(1);
    expect(hooks.messages).toEqual([]);
  });

  it('rejects an oversized request with RESOURCE_EXHAUSTED', async () => {
    const big: Message = { type: MessageType.Append, from: 'n1', to: 'n2', term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: EntryKind.Normal, data: patternBytes(maxMessageBytes + 1, 1) }] };
    expect((await batch({}, [big]))?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(rejected('too-large')).toBe(1);
  });

  it('rejects bad snapshot streams: no start, wrong token, over the size bound', async () => {
    expect((await stream([{ data: Buffer.alloc(10) }]))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    const snapshot = (size: number): Message => ({ type: MessageType.Snapshot, from: 'n1', to: 'n2', term: 3, snapshot: { meta: { index: 4, term: 3, voters: ['n1', 'n2'] }, data: patternBytes(size, 2) } });
    const chunks = (size: number, header: Partial<WireHeader>) => [...snapshotChunks(snapshot(size) as never, encodeHeader({ ...goodHeader, ...header }), 8192)];
    expect((await stream(chunks(1000, { token: 'nope-nope-nope' })))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect((await stream(chunks(maxSnapshotBytes + 1, {})))?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(rejected('malformed')).toBe(2);
    expect(rejected('bad-token')).toBe(3);
    expect(rejected('too-large')).toBe(2);
    expect(hooks.messages).toEqual([]);
  });

  it('still serves valid requests after all of that', async () => {
    expect(await batch({}, [heartbeat('n1', 'n2', 4)])).toBeNull();
    expect(hooks.messages).toEqual([heartbeat('n1', 'n2', 4)]);
    console.log('receiver stats after the rejection suite', server.stats());
  });
});

describe('GrpcTransport sender bounds', () => {
  it('drops a message larger than maxMessageBytes and a snapshot the receiver refuses, reporting both', async () => {
    const sender = makeTransport('n1', peerPort, { n2: server.boundPort }, { maxMessageBytes, maxSnapshotBytes: 10 * maxSnapshotBytes });
    const senderHooks = new Recorder();
    await sender.start(senderHooks);
    try {
      const big: Message = { type: MessageType.Append, from: 'n1', to: 'n2', term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: EntryKind.Normal, data: patternBytes(maxMessageBytes, 1) }] };
      sender.send([big]);
      expect(sender.stats().droppedTooLarge).toBe(1);
      expect(senderHooks.unreachable).toEqual(['n2']);
      const snapshot: Message = { type: MessageType.Snapshot, from: 'n1', to: 'n2', term: 3, snapshot: { meta: { index: 4, term: 3, voters: ['n1', 'n2'] }, data: patternBytes(maxSnapshotBytes * 2, 3) } };
      sender.send([snapshot]);
      await waitFor('snapshot status', () => senderHooks.snapshots.length === 1);
      expect(senderHooks.snapshots).toEqual([{ peer: 'n2', ok: false }]);
      expect(sender.stats().snapshotsFailed).toBe(1);
    } finally {
      await sender.close();
    }
  });
});

/** Opens a raw `Stream`, writes `requests` (objects, or raw bytes with `raw`), ends it; resolves with its status. */
function rawStream(requests: readonly unknown[], raw = false): Promise<ServiceError | null> {
  const m = method(RaftMethod.Stream);
  return new Promise((resolve) => {
    const serialize: (value: unknown) => Buffer = raw ? (value) => value as Buffer : m.requestSerialize;
    const call = client.makeClientStreamRequest(m.path, serialize, identity, new Metadata(), { deadline: Date.now() + 5000 }, (error) => resolve(error));
    call.on('error', () => {});
    for (const request of requests) call.write(request);
    call.end();
  });
}

const batchRequest = (header: Partial<WireHeader>, messages: Message[]) => ({
  header: encodeHeader({ ...goodHeader, ...header }),
  messages: messages.map((m) => encodeEnvelope(m as never)),
});

describe('GrpcTransport rejects bad peer streams, counts them, keeps serving', () => {
  it('accepts a good stream and delivers its batches in order', async () => {
    const before = hooks.messages.length;
    const status = await rawStream([10, 11, 12].map((t) => batchRequest({}, [heartbeat('n1', 'n2', t)])));
    expect(status).toBeNull();
    expect(hooks.messages.slice(before)).toEqual([10, 11, 12].map((t) => heartbeat('n1', 'n2', t)));
  });

  it('ends a stream with UNAUTHENTICATED at the first batch with a wrong token, delivering only what came before', async () => {
    const before = hooks.messages.length;
    const badTokenBefore = rejected('bad-token');
    const wrongClusterBefore = rejected('wrong-cluster');
    const status = await rawStream([
      batchRequest({}, [heartbeat('n1', 'n2', 20)]),
      batchRequest({ token: 'not-the-token' }, [heartbeat('n1', 'n2', 21)]),
      batchRequest({}, [heartbeat('n1', 'n2', 22)]),
    ]);
    expect(status?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(hooks.messages.slice(before)).toEqual([heartbeat('n1', 'n2', 20)]);
    expect((await rawStream([batchRequest({ token: 'not-the-token' }, [heartbeat('n1', 'n2', 23)])]))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect((await rawStream([batchRequest({}, [heartbeat('n1', 'n2', 24)]), batchRequest({ clusterId: 'other' }, [])]))?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(rejected('bad-token') - badTokenBefore).toBe(2);
    expect(rejected('wrong-cluster') - wrongClusterBefore).toBe(1);
    expect(hooks.messages.slice(before).map((m) => m.term)).toEqual([20, 24]);
  });

  it('ends a stream with INVALID_ARGUMENT for a changed sender, wrong recipient or garbage, and RESOURCE_EXHAUSTED when oversized', async () => {
    const before = hooks.messages.length;
    const counts = () => ({ malformed: rejected('malformed'), recipient: rejected('wrong-recipient'), large: rejected('too-large') });
    const start = counts();
    const good = batchRequest({}, [heartbeat('n1', 'n2', 30)]);
    expect((await rawStream([good, batchRequest({ from: 'n3' }, [heartbeat('n3', 'n2', 31)])]))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect((await rawStream([good, batchRequest({ to: 'n3' }, [heartbeat('n1', 'n3', 31)])]))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    expect((await rawStream([garbage], true))?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    const big: Message = { type: MessageType.Append, from: 'n1', to: 'n2', term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: EntryKind.Normal, data: patternBytes(maxMessageBytes + 1, 1) }] };
    expect((await rawStream([good, batchRequest({}, [big])]))?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const end = counts();
    expect(end.malformed - start.malformed).toBe(2);
    expect(end.recipient - start.recipient).toBe(1);
    expect(end.large - start.large).toBe(1);
    // Only the good first batch of each of the three streams that had one.
    expect(hooks.messages.slice(before).map((m) => m.term)).toEqual([30, 30, 30]);
    console.log('receiver stats after the stream rejection suite', server.stats().rejected);
  });
});
