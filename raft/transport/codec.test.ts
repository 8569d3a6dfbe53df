import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryKind, MessageType, type Entry, type Message, type SnapshotMessage } from '../core/types.js';
import {
  decodeBatch,
  decodeBody,
  decodeEnvelope,
  decodeHeader,
  encodeBody,
  encodeEnvelope,
  encodeHeader,
  type CodecLimits,
  type EnvelopeMessage,
  type WireHeader,
} from './codec.js';
import { guardedRaftServiceDefinition, RaftMethod, RejectedRequest, raftServiceDefinition } from './raft-proto.js';
import { RejectReason, TransportRejection } from './rejection.js';
import { SnapshotAssembler, snapshotChunks, type SnapshotLimits } from './snapshot-codec.js';

const seed = Number(process.env['FC_SEED'] ?? Date.now() % 1_000_000);
const fcParams = { seed, numRuns: 300 };
console.log(`codec property tests: seed ${seed} (rerun with FC_SEED=${seed})`);

const nodeIds = ['n1', 'n2', 'n3'] as const;
const limits: CodecLimits = { nodeIds: new Set(nodeIds), maxEntriesPerMessage: 64, maxMessagesPerBatch: 64, maxContextBytes: 256 };
const snapshotLimits: SnapshotLimits = { nodeIds: new Set(nodeIds), maxMembers: 16, maxSnapshotBytes: 1 << 20, maxChunkBytes: 4096 };
const route = { from: 'n1', to: 'n2' } as const;
const header: WireHeader = { clusterId: 'c1', token: 'secret-token', from: 'n1', to: 'n2', senderEpoch: 'e', seq: 3, seqFloor: 2 };

const method = (name: string) => {
  const m = raftServiceDefinition()[name];
  if (m === undefined) throw new Error(`no method ${name}`);
  return m;
};
/** Through real protobuf bytes, as the server sees it. */
const wire = (name: string, request: unknown): unknown => method(name).requestDeserialize(method(name).requestSerialize(request));

const uint = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const term1 = uint.map((t) => Math.max(1, t));
const text = fc.string({ maxLength: 40 });

const appendArb: fc.Arbitrary<EnvelopeMessage> = fc
  .record({ term: term1, prevIndex: fc.nat(1_000_000), commit: uint, count: fc.nat(6), seed: fc.nat() })
  .chain(({ term, prevIndex, commit, count }) =>
    fc.record({
      prevTerm: prevIndex === 0 ? fc.constant(0) : fc.integer({ min: 0, max: Math.min(term, 0x7fffffff) }),
      bumps: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
      datas: fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: count, maxLength: count }),
      kinds: fc.array(fc.constantFrom(EntryKind.Normal, EntryKind.Empty), { minLength: count, maxLength: count }),
    }).map(({ prevTerm, bumps, datas, kinds }) => {
      let t = Math.max(prevTerm, 1);
      const entries: Entry[] = datas.map((data, i) => {
        if (bumps[i] === true && t < term) t += 1;
        return { index: prevIndex + 1 + i, term: t, kind: kinds[i] ?? EntryKind.Normal, data };
      });
      return { type: MessageType.Append, ...route, term, prevIndex, prevTerm, entries, commit } as const;
    }),
  );

const messageArb: fc.Arbitrary<EnvelopeMessage> = fc.oneof(
  appendArb,
  fc.record({ term: uint, reject: fc.boolean(), index: uint, hintIndex: uint, hintTerm: uint }).map((m) => ({ type: MessageType.AppendResp, ...route, ...m })),
  fc.record({ type: fc.constantFrom(MessageType.Vote, MessageType.PreVote), term: term1, lastIndex: fc.nat(), transfer: fc.boolean(), f: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map(({ f, ...m }) => ({ ...route, ...m, lastTerm: m.lastIndex === 0 ? 0 : Math.floor(m.term * f) })),
  fc.record({ type: fc.constantFrom(MessageType.VoteResp, MessageType.PreVoteResp), term: uint, reject: fc.boolean() }).map((m) => ({ ...route, ...m })),
  fc.record({ term: term1, commit: uint, readRound: uint }).map((m) => ({ type: MessageType.Heartbeat, ...route, ...m })),
  fc.record({ term: uint, readRound: uint }).map((m) => ({ type: MessageType.HeartbeatResp, ...route, ...m })),
  term1.map((term) => ({ type: MessageType.TimeoutNow, ...route, term })),
  fc.record({ term: uint, context: text }).map((m) => ({ type: MessageType.ReadIndex, ...route, ...m })),
  fc.record({ term: uint, context: text, index: uint, reject: fc.boolean() }).map((m) => ({ type: MessageType.ReadIndexResp, ...route, ...m })),
);

/** Only TransportRejection may escape a decoder. */
function decodesOrRejects(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(TransportRejection);
  }
}

function rejection(decode: () => unknown): TransportRejection {
  try {
    decode();
  } catch (error) {
    if (error instanceof TransportRejection) return error;
    throw error;
  }
  throw new Error('expected a TransportRejection, decoding succeeded');
}

describe('codec round trip', () => {
  it('every valid message survives a Batch through protobuf bytes', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 8 }), (messages) => {
        const request = wire(RaftMethod.Batch, { header: encodeHeader(header), messages: messages.map(encodeEnvelope) }) as Record<string, unknown>;
        expect(decodeHeader(request['header'])).toEqual(header);
        expect(decodeBatch(request['messages'] as unknown[], route, limits)).toEqual(messages);
      }),
      fcParams,
    );
  });

  it('single messages survive their named RPC', () => {
    const named = { append: RaftMethod.AppendEntries, vote: RaftMethod.RequestVote, timeout_now: RaftMethod.TimeoutNow, read_index: RaftMethod.ReadIndex } as const;
    fc.assert(
      fc.property(messageArb, (message) => {
        const body = Object.keys(encodeEnvelope(message))[0] as keyof typeof named;
        fc.pre(body in named);
        const request = wire(named[body], { header: encodeHeader(header), message: encodeBody(message) }) as Record<string, unknown>;
        expect(decodeBody(body, request['message'], route, limits)).toEqual(message);
      }),
      fcParams,
    );
  });

  it('snapshots survive chunking, protobuf bytes and reassembly', () => {
    const snapshotArb = fc.record({
      term: term1,
      index: fc.integer({ min: 1, max: 1_000_000 }),
      data: fc.uint8Array({ maxLength: 20_000 }),
      voters: fc.subarray([...nodeIds], { minLength: 1 }),
      chunkBytes: fc.integer({ min: 1, max: 4096 }),
    });
    fc.assert(
      fc.property(snapshotArb, ({ term, index, data, voters, chunkBytes }) => {
        const learners = nodeIds.filter((id) => !voters.includes(id));
        const addresses = Object.fromEntries(learners.map((id, i) => [id, `127.0.0.1:${9000 + i}`]));
        const meta = { index, term, voters, learners, addresses };
        const message: SnapshotMessage = { type: MessageType.Snapshot, ...route, term, snapshot: { meta, data } };
        const assembler = new SnapshotAssembler(snapshotLimits);
        const chunks = [...snapshotChunks(message, encodeHeader(header), chunkBytes)];
        expect(chunks.length).toBe(1 + Math.ceil(data.byteLength / chunkBytes));
        const parts = chunks.map((c) => assembler.accept(wire(RaftMethod.InstallSnapshot, c)));
        expect(parts[0]).toEqual({ header });
        assembler.finish();
        const received = Buffer.concat(parts.slice(1).map((p) => ('data' in p ? p.data : new Uint8Array())));
        expect(new Uint8Array(received)).toEqual(data);
        expect(assembler.message(route)).toEqual({ ...message, snapshot: { ...message.snapshot, data: new Uint8Array(0) } });
      }),
      { ...fcParams, numRuns: 60 },
    );
  });
});

describe('codec rejects garbage with a typed error only', () => {
  it('arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        decodesOrRejects(() => decodeEnvelope(value, route, limits));
        decodesOrRejects(() => decodeHeader(value));
        decodesOrRejects(() => decodeBody('append', value, route, limits));
        decodesOrRejects(() => new SnapshotAssembler(snapshotLimits).accept(value));
      }),
      fcParams,
    );
  });

  it('valid envelopes with one field replaced by anything', () => {
    fc.assert(
      fc.property(messageArb, fc.string(), fc.anything(), (message, key, junk) => {
        const envelope = encodeEnvelope(message) as Record<string, Record<string, unknown>>;
        const body = Object.keys(envelope)[0] ?? '';
        const decoded = wire(RaftMethod.Batch, { messages: [envelope] }) as { messages: Record<string, Record<string, unknown>>[] };
        const inner = decoded.messages[0]?.[body] ?? {};
        const fields = Object.keys(inner);
        const field = fields[key.length % fields.length] ?? key;
        decodesOrRejects(() => decodeEnvelope({ ...decoded.messages[0], [body]: { ...inner, [field]: junk } }, route, limits));
      }),
      fcParams,
    );
  });

  it('random bytes through the guarded deserializer', () => {
    const guarded = guardedRaftServiceDefinition(1024);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...Object.values(RaftMethod)), (bytes, name) => {
        const decoded = guarded[name]?.requestDeserialize(Buffer.from(bytes));
        if (decoded instanceof RejectedRequest) {
          expect([RejectReason.Malformed, RejectReason.TooLarge]).toContain(decoded.rejection.reason);
          return;
        }
        const request = decoded as Record<string, unknown>;
        decodesOrRejects(() => decodeHeader(request['header']));
        decodesOrRejects(() => (name === RaftMethod.Batch ? decodeBatch(request['messages'] as unknown[], route, limits) : decodeBody('append', request['message'], route, limits)));
      }),
      fcParams,
    );
  });
});

describe('codec range checks', () => {
  const append = (overrides: Record<string, unknown>) => ({
    append: { term: '5', prev_index: '10', prev_term: '4', commit: '9', commit_only: false, entries: [{ index: '11', term: '5', kind: 'ENTRY_KIND_NORMAL', data: Buffer.alloc(1) }], ...overrides },
    body: 'append',
  });

  it('accepts a well-formed append', () => {
    const message = decodeEnvelope(append({}), route, limits) as Message & { entries: Entry[] };
    expect(message.entries[0]?.index).toBe(11);
  });

  it('carries commit_only on an append without entries, and only when set', () => {
    const quiet = decodeEnvelope(append({ entries: [], commit_only: true }), route, limits);
    expect(quiet).toMatchObject({ type: MessageType.Append, commit: 9, commitOnly: true });
    expect(decodeEnvelope(append({ entries: [] }), route, limits)).not.toHaveProperty('commitOnly');
  });

  it.each([
    ['a term beyond 2^53', { term: '9007199254740993' }, RejectReason.OutOfRange],
    ['a negative-looking number', { commit: '-1' }, RejectReason.Malformed],
    ['a non-contiguous entry', { entries: [{ index: '12', term: '5', kind: 'ENTRY_KIND_NORMAL', data: Buffer.alloc(0) }] }, RejectReason.OutOfRange],
    ['an entry term above the message term', { entries: [{ index: '11', term: '6', kind: 'ENTRY_KIND_NORMAL', data: Buffer.alloc(0) }] }, RejectReason.OutOfRange],
    ['an unknown entry kind', { entries: [{ index: '11', term: '5', kind: 7, data: Buffer.alloc(0) }] }, RejectReason.Malformed],
    ['prev_term above term', { prev_term: '6' }, RejectReason.OutOfRange],
    ['commit_only with entries', { commit_only: true }, RejectReason.OutOfRange],
    ['too many entries', { entries: Array.from({ length: 65 }, (_, i) => ({ index: String(11 + i), term: '5', kind: 'ENTRY_KIND_NORMAL', data: Buffer.alloc(0) })) }, RejectReason.TooLarge],
  ])('rejects %s', (_name, overrides, reason) => {
    expect(rejection(() => decodeEnvelope(append(overrides), route, limits)).reason).toBe(reason);
  });

  it('rejects an over-long read context and an unset oneof', () => {
    const long = { read_index: { term: '1', context: 'x'.repeat(257) }, body: 'read_index' };
    expect(rejection(() => decodeEnvelope(long, route, limits)).reason).toBe(RejectReason.TooLarge);
    expect(rejection(() => decodeEnvelope({}, route, limits)).reason).toBe(RejectReason.Malformed);
  });

  it('rejects a snapshot with malformed members, oversize total, excess data or missing data', () => {
    const start = (meta: Record<string, unknown>, total: string) =>
      wire(RaftMethod.InstallSnapshot, {
        start: { header: encodeHeader(header), term: '3', meta: { index: '5', term: '3', voters: ['n1'], ...meta }, total_size_bytes: total },
      });
    const fresh = () => new SnapshotAssembler(snapshotLimits);
    // Membership changes: a snapshot may name members this node has not met (added after it booted).
    expect(fresh().accept(start({ voters: ['n9'], learners: ['n8'], addresses: { n8: 'h:1' } }, '1'))).not.toBeNull();
    expect(rejection(() => fresh().accept(start({ voters: [''] }, '1'))).reason).toBe(RejectReason.OutOfRange);
    expect(rejection(() => fresh().accept(start({ voters: ['n1'], learners: ['n1'] }, '1'))).reason).toBe(RejectReason.OutOfRange);
    expect(rejection(() => fresh().accept(start({ addresses: { n7: 'h:1' } }, '1'))).reason).toBe(RejectReason.OutOfRange);
    expect(rejection(() => fresh().accept(start({}, String(2 << 20)))).reason).toBe(RejectReason.TooLarge);
    const excess = fresh();
    excess.accept(start({}, '2'));
    expect(rejection(() => excess.accept({ data: Buffer.alloc(3), part: 'data' })).reason).toBe(RejectReason.TooLarge);
    const short = fresh();
    short.accept(start({}, '2'));
    short.accept({ data: Buffer.alloc(1), part: 'data' });
    expect(rejection(() => short.finish()).reason).toBe(RejectReason.Malformed);
    const unknownSize = fresh();
    unknownSize.accept(start({}, '0'));
    unknownSize.accept({ data: Buffer.alloc(4096), part: 'data' });
    unknownSize.finish();
    for (let sent = 4096; sent + 4096 <= 1 << 20; sent += 4096) unknownSize.accept({ data: Buffer.alloc(4096), part: 'data' });
    expect(rejection(() => unknownSize.accept({ data: Buffer.alloc(1), part: 'data' })).reason).toBe(RejectReason.TooLarge);
    expect(rejection(() => fresh().accept({ data: Buffer.alloc(1), part: 'data' })).reason).toBe(RejectReason.Malformed);
  });
});
