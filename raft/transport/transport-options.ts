import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { NodeId } from '../core/types.js';
import { maxHeaderStringBytes, maxNodeIdBytes } from './codec.js';

/** Minimal logger (a pino logger fits). */
export interface TransportLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Another gRPC service served on the same port (e.g. the bazaar forwarding service). */
export interface ExtraService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

export interface GrpcTransportOptions {
  readonly id: NodeId;
  readonly listenHost: string;
  /** 0 picks a free port: read it from `boundPort` after `start()`. */
  readonly listenPort: number;
  /** Every other member: node id -> 'host:port'. Must not contain `id`. */
  readonly peers: Readonly<Record<NodeId, string>>;
  readonly clusterId: string;
  /** Shared secret every peer request carries (at least 8 bytes). */
  readonly clusterToken: string;
  /**
   * 'stream' (default): one long-lived client stream of batches per peer. 'unary': one call
   * per batch, pipelined (the older path; the server always accepts both).
   */
  readonly sendMode?: SendMode;
  /** Deadline of each unary call; also how long a stream may wait for 'drain' or for its end to be acknowledged. */
  readonly callDeadlineMs?: number;
  /** A peer stream is ended and reopened after this long; its deadline is this plus callDeadlineMs. */
  readonly streamRotateMs?: number;
  /** Deadline of one whole InstallSnapshot stream. */
  readonly snapshotDeadlineMs?: number;
  /** Largest encoded request sent or accepted (grpc max send/receive length). */
  readonly maxMessageBytes?: number;
  /** Bound of each peer's send queue; when full the oldest message is dropped. */
  readonly maxQueuedMessagesPerPeer?: number;
  /** Unary calls in flight to one peer at once (pipelining window; sendMode 'unary' only). */
  readonly maxInflightCallsPerPeer?: number;
  /** Messages packed into one Batch call or one batch written onto a peer stream. */
  readonly maxMessagesPerBatch?: number;
  /** Data bytes per InstallSnapshot chunk (default 256 KiB, or less to fit maxMessageBytes). */
  readonly chunkBytes?: number;
  readonly maxSnapshotBytes?: number;
  /** Entries accepted in one AppendEntries. */
  readonly maxEntriesPerMessage?: number;
  /** Bytes of a ReadIndex context. */
  readonly maxContextBytes?: number;
  readonly reconnectInitialBackoffMs?: number;
  readonly reconnectMaxBackoffMs?: number;
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** How long the receiver holds a call that overtook an earlier one before giving up on the gap. */
  readonly reorderWaitMs?: number;
  /** Calls held per sender while waiting for a gap; beyond, the gap is skipped at once. */
  readonly maxReorderBufferedCalls?: number;
  /** `close()` waits this long for in-flight server calls before forcing shutdown. */
  readonly closeGraceMs?: number;
  readonly extraServices?: readonly ExtraService[];
  readonly logger?: TransportLogger;
}

export const sendModes = ['stream', 'unary'] as const;
export type SendMode = (typeof sendModes)[number];

export type ResolvedTransportOptions = Required<Omit<GrpcTransportOptions, 'logger'>> & {
  readonly logger: TransportLogger | null;
};

export const transportDefaults = {
  sendMode: 'stream' as SendMode,
  callDeadlineMs: 500,
  streamRotateMs: 30_000,
  snapshotDeadlineMs: 60_000,
  maxMessageBytes: 8 * 1024 * 1024,
  maxQueuedMessagesPerPeer: 4096,
  maxInflightCallsPerPeer: 4,
  maxMessagesPerBatch: 256,
  chunkBytes: 256 * 1024,
  maxSnapshotBytes: 1024 * 1024 * 1024,
  maxEntriesPerMessage: 65_536,
  maxContextBytes: 4096,
  reconnectInitialBackoffMs: 50,
  reconnectMaxBackoffMs: 500,
  // A black-holed connection is dropped (and redialled) within ~5 s.
  keepaliveTimeMs: 2_000,
  keepaliveTimeoutMs: 3_000,
  reorderWaitMs: 50,
  maxReorderBufferedCalls: 64,
  closeGraceMs: 200,
} as const;

/** Bytes of headroom a request needs beyond its payload (header, framing). */
export const requestOverheadBytes = 4096;

const minMessageBytes = 64 * 1024;
const minTokenBytes = 8;
const addressPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function checkNonEmpty(name: string, value: string, maxBytes: number, minBytes = 1): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < minBytes || bytes > maxBytes) {
    throw new Error(`${name} must be ${minBytes}..${maxBytes} bytes, got ${bytes}`);
  }
}

function checkPeers(id: NodeId, peers: Readonly<Record<NodeId, string>>): void {
  if (Object.hasOwn(peers, id)) throw new Error(`peers must not contain this node's id ${id}`);
  for (const [peer, address] of Object.entries(peers)) {
    checkNonEmpty(`peer id ${JSON.stringify(peer)}`, peer, maxNodeIdBytes);
    const match = addressPattern.exec(address);
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65_535) {
      throw new Error(`peers.${peer} must be 'host:port' with port 1..65535, got ${JSON.stringify(address)}`);
    }
  }
}

export function resolveTransportOptions(options: GrpcTransportOptions): ResolvedTransportOptions {
  const maxMessageBytes = options.maxMessageBytes ?? transportDefaults.maxMessageBytes;
  const o: ResolvedTransportOptions = {
    ...transportDefaults,
    // The default chunk shrinks to fit a small maxMessageBytes; an explicit one must fit.
    chunkBytes: Math.min(transportDefaults.chunkBytes, maxMessageBytes - requestOverheadBytes),
    extraServices: [],
    ...options,
    logger: options.logger ?? null,
  };
  checkNonEmpty('id', o.id, maxNodeIdBytes);
  checkNonEmpty('listenHost', o.listenHost, 255);
  checkInt('listenPort', o.listenPort, 0, 65_535);
  checkPeers(o.id, o.peers);
  checkNonEmpty('clusterId', o.clusterId, maxHeaderStringBytes);
  checkNonEmpty('clusterToken', o.clusterToken, maxHeaderStringBytes, minTokenBytes);
  if (!sendModes.includes(o.sendMode)) throw new Error(`sendMode must be one of ${sendModes.join(', ')}, got ${JSON.stringify(o.sendMode)}`);
  checkInt('callDeadlineMs', o.callDeadlineMs, 1);
  checkInt('streamRotateMs', o.streamRotateMs, 10);
  checkInt('snapshotDeadlineMs', o.snapshotDeadlineMs, o.callDeadlineMs);
  checkInt('maxMessageBytes', o.maxMessageBytes, minMessageBytes, 1024 * 1024 * 1024);
  checkInt('maxQueuedMessagesPerPeer', o.maxQueuedMessagesPerPeer, 1);
  checkInt('maxInflightCallsPerPeer', o.maxInflightCallsPerPeer, 1, 1024);
  checkInt('maxMessagesPerBatch', o.maxMessagesPerBatch, 1, 65_536);
  checkInt('chunkBytes', o.chunkBytes, 1, o.maxMessageBytes - requestOverheadBytes);
  checkInt('maxSnapshotBytes', o.maxSnapshotBytes, 0);
  checkInt('maxEntriesPerMessage', o.maxEntriesPerMessage, 1);
  checkInt('maxContextBytes', o.maxContextBytes, 1, maxHeaderStringBytes * 64);
  checkInt('reconnectInitialBackoffMs', o.reconnectInitialBackoffMs, 1);
  checkInt('reconnectMaxBackoffMs', o.reconnectMaxBackoffMs, o.reconnectInitialBackoffMs);
  checkInt('keepaliveTimeMs', o.keepaliveTimeMs, 1);
  checkInt('keepaliveTimeoutMs', o.keepaliveTimeoutMs, 1);
  checkInt('reorderWaitMs', o.reorderWaitMs, 0);
  checkInt('maxReorderBufferedCalls', o.maxReorderBufferedCalls, 1);
  checkInt('closeGraceMs', o.closeGraceMs, 0);
  return o;
}
