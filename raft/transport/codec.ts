import {
  EntryKind,
  MessageType,
  type Entry,
  type Message,
  type NodeId,
  type SnapshotMessage,
} from '../core/types.js';
import { RejectReason, TransportRejection } from './rejection.js';
import {
  readArray,
  readBool,
  readBytes,
  readObject,
  readOneof,
  readString,
  readUint,
  type WireObject,
} from './wire-read.js';

/**
 * Pure conversions between core messages and the proto objects of proto/raft.proto (as
 * @grpc/proto-loader hands them over: snake_case, uint64 as decimal strings). Decoding is
 * strict: every field typed and in range, else a TransportRejection (and nothing else).
 */

/** Bounds the decoder enforces. */
export interface CodecLimits {
  /** Every member of the cluster, this node included. */
  readonly nodeIds: ReadonlySet<NodeId>;
  readonly maxEntriesPerMessage: number;
  readonly maxMessagesPerBatch: number;
  readonly maxContextBytes: number;
}

/** Longest node id accepted anywhere on the wire. */
export const maxNodeIdBytes = 256;

/** Messages that travel as envelopes (snapshots are streamed: see snapshot-codec.ts). */
export type EnvelopeMessage = Exclude<Message, SnapshotMessage>;

export const envelopeBodies = [
  'append',
  'append_response',
  'vote',
  'vote_response',
  'heartbeat',
  'heartbeat_response',
  'timeout_now',
  'read_index',
  'read_index_response',
] as const;
export type EnvelopeBody = (typeof envelopeBodies)[number];

export type WireBody = Readonly<Record<string, unknown>>;
export type EnvelopeWire = Readonly<Partial<Record<EnvelopeBody, WireBody>>>;

/** Sender and recipient, taken from the (already authenticated) request header. */
export interface Route {
  readonly from: NodeId;
  readonly to: NodeId;
}

const entryKindToWire = {
  [EntryKind.Normal]: 'ENTRY_KIND_NORMAL',
  [EntryKind.Empty]: 'ENTRY_KIND_EMPTY',
  [EntryKind.ConfChange]: 'ENTRY_KIND_CONF_CHANGE',
} as const satisfies Record<EntryKind, string>;

const entryKindFromWire: Readonly<Record<string, EntryKind>> = {
  ENTRY_KIND_NORMAL: EntryKind.Normal,
  ENTRY_KIND_EMPTY: EntryKind.Empty,
  ENTRY_KIND_CONF_CHANGE: EntryKind.ConfChange,
};

function encodeEntry(entry: Entry): WireBody {
  return { index: entry.index, term: entry.term, kind: entryKindToWire[entry.kind], data: entry.data };
}

/** Which envelope member carries a message type. */
export function envelopeBodyOf(message: EnvelopeMessage): EnvelopeBody {
  switch (message.type) {
    case MessageType.Append:
      return 'append';
    case MessageType.AppendResp:
      return 'append_response';
    case MessageType.Vote:
    case MessageType.PreVote:
      return 'vote';
    case MessageType.VoteResp:
    case MessageType.PreVoteResp:
      return 'vote_response';
    case MessageType.Heartbeat:
      return 'heartbeat';
    case MessageType.HeartbeatResp:
      return 'heartbeat_response';
    case MessageType.TimeoutNow:
      return 'timeout_now';
    case MessageType.ReadIndex:
      return 'read_index';
    case MessageType.ReadIndexResp:
      return 'read_index_response';
  }
}

/** The body of a message (no from/to: those travel in the header). */
export function encodeBody(m: EnvelopeMessage): WireBody {
  switch (m.type) {
    case MessageType.Append:
      return {
        term: m.term,
        prev_index: m.prevIndex,
        prev_term: m.prevTerm,
        entries: m.entries.map(encodeEntry),
        commit: m.commit,
        commit_only: m.commitOnly === true,
      };
    case MessageType.AppendResp:
      return { term: m.term, reject: m.reject, index: m.index, hint_index: m.hintIndex, hint_term: m.hintTerm };
    case MessageType.Vote:
    case MessageType.PreVote:
      return {
        term: m.term,
        last_index: m.lastIndex,
        last_term: m.lastTerm,
        pre_vote: m.type === MessageType.PreVote,
        transfer: m.transfer,
      };
    case MessageType.VoteResp:
    case MessageType.PreVoteResp:
      return { term: m.term, reject: m.reject, pre_vote: m.type === MessageType.PreVoteResp };
    case MessageType.Heartbeat:
      return { term: m.term, commit: m.commit, read_round: m.readRound };
    case MessageType.HeartbeatResp:
      return { term: m.term, read_round: m.readRound };
    case MessageType.TimeoutNow:
      return { term: m.term };
    case MessageType.ReadIndex:
      return { term: m.term, context: m.context };
    case MessageType.ReadIndexResp:
      return { term: m.term, context: m.context, index: m.index, reject: m.reject };
  }
}

export function encodeEnvelope(message: EnvelopeMessage): EnvelopeWire {
  return { [envelopeBodyOf(message)]: encodeBody(message) };
}

function outOfRange(detail: string): TransportRejection {
  return new TransportRejection(RejectReason.OutOfRange, detail);
}

/** A term that only a leader or candidate sends: at least 1. */
function readLeaderTerm(obj: WireObject, path: string): number {
  const term = readUint(obj, 'term', path);
  if (term < 1) throw outOfRange(`${path}.term must be >= 1`);
  return term;
}

function decodeEntries(obj: WireObject, path: string, prev: { index: number; term: number; msgTerm: number }, limits: CodecLimits): Entry[] {
  const raw = readArray(obj, 'entries', path, limits.maxEntriesPerMessage);
  const entries: Entry[] = [];
  let lastTerm = prev.term;
  raw.forEach((item, i) => {
    const at = `${path}.entries[${i}]`;
    const e = readObject(item, at);
    const index = readUint(e, 'index', at);
    const term = readUint(e, 'term', at);
    if (index !== prev.index + 1 + i) throw outOfRange(`${at}.index = ${index}, expected ${prev.index + 1 + i} (entries contiguous after prev_index)`);
    const minTerm = Math.max(lastTerm, 1);
    if (term < minTerm || term > prev.msgTerm) {
      throw outOfRange(`${at}.term = ${term} must be in [${minTerm}, ${prev.msgTerm}] (>= 1, non-decreasing, <= message term)`);
    }
    const kindName = e['kind'];
    const kind = typeof kindName === 'string' ? entryKindFromWire[kindName] : undefined;
    if (kind === undefined) throw new TransportRejection(RejectReason.Malformed, `${at}.kind ${String(kindName)} is not a known entry kind`);
    entries.push({ index, term, kind, data: readBytes(e, 'data', at) });
    lastTerm = term;
  });
  return entries;
}

function decodeAppend(b: WireObject, path: string, r: Route, limits: CodecLimits): Message {
  const term = readLeaderTerm(b, path);
  const prevIndex = readUint(b, 'prev_index', path);
  const prevTerm = readUint(b, 'prev_term', path);
  if (prevTerm > term) throw outOfRange(`${path}.prev_term ${prevTerm} > term ${term}`);
  if (prevIndex === 0 && prevTerm !== 0) throw outOfRange(`${path}.prev_term must be 0 when prev_index is 0`);
  const entries = decodeEntries(b, path, { index: prevIndex, term: prevTerm, msgTerm: term }, limits);
  const commit = readUint(b, 'commit', path);
  const commitOnly = readBool(b, 'commit_only', path);
  if (commitOnly && entries.length > 0) throw outOfRange(`${path}.commit_only with ${entries.length} entries`);
  return { type: MessageType.Append, from: r.from, to: r.to, term, prevIndex, prevTerm, entries, commit, ...(commitOnly ? { commitOnly } : {}) };
}

function decodeVote(b: WireObject, path: string, r: Route): Message {
  const term = readLeaderTerm(b, path);
  const lastIndex = readUint(b, 'last_index', path);
  const lastTerm = readUint(b, 'last_term', path);
  if (lastTerm > term) throw outOfRange(`${path}.last_term ${lastTerm} > term ${term}`);
  if (lastIndex === 0 && lastTerm !== 0) throw outOfRange(`${path}.last_term must be 0 when last_index is 0`);
  const type = readBool(b, 'pre_vote', path) ? MessageType.PreVote : MessageType.Vote;
  return { type, from: r.from, to: r.to, term, lastIndex, lastTerm, transfer: readBool(b, 'transfer', path) };
}

/** Decode the body of one message whose envelope member (or RPC) is `body`. */
export function decodeBody(body: EnvelopeBody, value: unknown, route: Route, limits: CodecLimits): Message {
  const path = body;
  const b = readObject(value, path);
  const r = route;
  switch (body) {
    case 'append':
      return decodeAppend(b, path, r, limits);
    case 'append_response':
      return {
        type: MessageType.AppendResp,
        from: r.from,
        to: r.to,
        term: readUint(b, 'term', path),
        reject: readBool(b, 'reject', path),
        index: readUint(b, 'index', path),
        hintIndex: readUint(b, 'hint_index', path),
        hintTerm: readUint(b, 'hint_term', path),
      };
    case 'vote':
      return decodeVote(b, path, r);
    case 'vote_response': {
      const type = readBool(b, 'pre_vote', path) ? MessageType.PreVoteResp : MessageType.VoteResp;
      return { type, from: r.from, to: r.to, term: readUint(b, 'term', path), reject: readBool(b, 'reject', path) };
    }
    case 'heartbeat':
      return {
        type: MessageType.Heartbeat,
        from: r.from,
        to: r.to,
        term: readLeaderTerm(b, path),
        commit: readUint(b, 'commit', path),
        readRound: readUint(b, 'read_round', path),
      };
    case 'heartbeat_response':
      return { type: MessageType.HeartbeatResp, from: r.from, to: r.to, term: readUint(b, 'term', path), readRound: readUint(b, 'read_round', path) };
    case 'timeout_now':
      return { type: MessageType.TimeoutNow, from: r.from, to: r.to, term: readLeaderTerm(b, path) };
    case 'read_index':
      return { type: MessageType.ReadIndex, from: r.from, to: r.to, term: readUint(b, 'term', path), context: readString(b, 'context', path, limits.maxContextBytes) };
    case 'read_index_response':
      return {
        type: MessageType.ReadIndexResp,
        from: r.from,
        to: r.to,
        term: readUint(b, 'term', path),
        context: readString(b, 'context', path, limits.maxContextBytes),
        index: readUint(b, 'index', path),
        reject: readBool(b, 'reject', path),
      };
  }
}

export function decodeEnvelope(value: unknown, route: Route, limits: CodecLimits): Message {
  const obj = readObject(value, 'envelope');
  const body = readOneof(obj, 'body', 'envelope', envelopeBodies) as EnvelopeBody;
  return decodeBody(body, obj[body], route, limits);
}

export function decodeBatch(messages: readonly unknown[], route: Route, limits: CodecLimits): Message[] {
  if (messages.length > limits.maxMessagesPerBatch) {
    throw new TransportRejection(RejectReason.TooLarge, `batch of ${messages.length} messages, max ${limits.maxMessagesPerBatch}`);
  }
  return messages.map((m) => decodeEnvelope(m, route, limits));
}

/** Decoded `Header` before authentication. */
export interface WireHeader {
  readonly clusterId: string;
  readonly token: string;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly senderEpoch: string;
  readonly seq: number;
  readonly seqFloor: number;
}

/** Longest cluster id, token or sender epoch accepted. */
export const maxHeaderStringBytes = 1024;

export function decodeHeader(value: unknown): WireHeader {
  const h = readObject(value, 'header');
  const path = 'header';
  const seq = readUint(h, 'seq', path);
  const seqFloor = readUint(h, 'seq_floor', path);
  if (seq !== 0 && seqFloor > seq) throw outOfRange(`header.seq_floor ${seqFloor} > seq ${seq}`);
  return {
    clusterId: readString(h, 'cluster_id', path, maxHeaderStringBytes),
    token: readString(h, 'token', path, maxHeaderStringBytes),
    from: readString(h, 'from', path, maxNodeIdBytes),
    to: readString(h, 'to', path, maxNodeIdBytes),
    senderEpoch: readString(h, 'sender_epoch', path, maxHeaderStringBytes),
    seq,
    seqFloor,
  };
}

export interface HeaderWire {
  readonly cluster_id: string;
  readonly token: string;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly sender_epoch: string;
  readonly seq: number;
  readonly seq_floor: number;
}

export function encodeHeader(h: WireHeader): HeaderWire {
  return {
    cluster_id: h.clusterId,
    token: h.token,
    from: h.from,
    to: h.to,
    sender_epoch: h.senderEpoch,
    seq: h.seq,
    seq_floor: h.seqFloor,
  };
}
