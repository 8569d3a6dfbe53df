import { randomUUID } from 'node:crypto';
import { Client, credentials, Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { Message, NodeId } from '../core/types.js';
import type { CodecLimits } from './codec.js';
import { HeaderAuthenticator } from './header-auth.js';
import { PeerSender } from './peer-sender.js';
import { createRaftHandlers } from './raft-handlers.js';
import { guardedRaftServiceDefinition } from './raft-proto.js';
import { ReorderBuffer } from './reorder-buffer.js';
import type { SnapshotLimits } from './snapshot-codec.js';
import { StreamPeerSender } from './stream-peer-sender.js';
import {
  requestOverheadBytes,
  resolveTransportOptions,
  type ExtraService,
  type GrpcTransportOptions,
  type ResolvedTransportOptions,
} from './transport-options.js';
import { TransportCounters, type TransportStats } from './transport-stats.js';
import type { RaftTransport, TransportHooks } from './transport.js';

/**
 * Raft transport over gRPC (proto/raft.proto). One client channel per peer with reconnect
 * backoff tuned for elections (50 ms .. 500 ms instead of grpc-js's 1 s .. 120 s) and
 * keepalive; deadlines on every call; per-peer bounded queues; every request authenticated
 * by cluster id + token; bad input rejected with a status and counted.
 *
 * Sending (`sendMode`): 'stream' (default) writes batches onto one long-lived, rotated client
 * stream per peer (stream-peer-sender.ts): one call setup per ~30 s instead of per batch, and
 * order kept by the stream. 'unary' sends pipelined batched calls with receiver-side
 * reordering (peer-sender.ts, reorder-buffer.ts). The server accepts both.
 *
 * Unary ordering trade-off: up to `maxInflightCallsPerPeer` calls per peer run at once (a strict
 * one-at-a-time sender would cap replication at one batch per round trip). HTTP/2 keeps them
 * mostly in order; the receiver restores the rest with seq numbers and waits at most
 * `reorderWaitMs` for a call that may never come. A failed call is not retried: the core is
 * told through `onUnreachable` and resends as it sees fit.
 */
export class GrpcTransport implements RaftTransport {
  readonly #options: ResolvedTransportOptions;
  readonly #counters = new TransportCounters();
  readonly #extraServices: ExtraService[] = [];
  readonly #senders = new Map<NodeId, PeerSender | StreamPeerSender>();
  readonly #clients = new Map<NodeId, Client>();
  /** Every peer's address: the configured peers, then whatever membership changes say. */
  readonly #addresses = new Map<NodeId, string>();
  /** Peers whose messages are accepted, and every known node id (membership changes update both). */
  readonly #peerIds = new Set<NodeId>();
  readonly #nodeIds = new Set<NodeId>();
  #hooks: TransportHooks | null = null;
  readonly #senderEpoch = randomUUID();
  #server: Server | null = null;
  #reorder: ReorderBuffer | null = null;
  #boundPort: number | null = null;
  #state: 'new' | 'starting' | 'running' | 'closed' = 'new';

  constructor(options: GrpcTransportOptions) {
    this.#options = resolveTransportOptions(options);
    for (const [peer, address] of Object.entries(this.#options.peers)) {
      this.#peerIds.add(peer);
      this.#addresses.set(peer, address);
    }
    this.#nodeIds.add(this.#options.id);
    for (const peer of this.#peerIds) this.#nodeIds.add(peer);
    for (const service of this.#options.extraServices) this.addService(service);
  }

  /** Serve another gRPC service on the same port (before `start()`). */
  addService(service: ExtraService): void {
    if (this.#state !== 'new') throw new Error('addService must be called before start()');
    this.#extraServices.push(service);
  }

  /** The port the server listens on (meaningful with listenPort 0). */
  get boundPort(): number {
    if (this.#boundPort === null) throw new Error('boundPort is known only after start()');
    return this.#boundPort;
  }

  get id(): NodeId {
    return this.#options.id;
  }

  async start(hooks: TransportHooks): Promise<void> {
    if (this.#state !== 'new') throw new Error(`start() called on a transport that is ${this.#state}`);
    this.#state = 'starting';
    const o = this.#options;
    const reorder = new ReorderBuffer(
      (messages) => this.#deliver(hooks, messages),
      { waitMs: o.reorderWaitMs, maxBufferedCalls: o.maxReorderBufferedCalls },
      { late: () => (this.#counters.values.reorderedLate += 1), gapSkipped: () => (this.#counters.values.reorderGapsSkipped += 1) },
    );
    this.#reorder = reorder;
    const server = new Server({
      'grpc.max_receive_message_length': this.#hardReceiveLimitBytes(),
      'grpc.max_send_message_length': o.maxMessageBytes,
      // No channelz: nothing reads it, and it keeps per-call bookkeeping (a Date per call).
      'grpc.enable_channelz': 0,
    });
    server.addService(guardedRaftServiceDefinition(o.maxMessageBytes), createRaftHandlers({
      auth: new HeaderAuthenticator(o.clusterId, o.clusterToken, o.id, this.#peerIds),
      limits: this.#codecLimits(),
      snapshotLimits: this.#snapshotLimits(),
      counters: this.#counters,
      logger: o.logger,
      deliver: (header, messages) => reorder.accept(header.from, header.senderEpoch, header.seq, header.seqFloor, messages),
      receiveSnapshot: (message, chunks) => {
        if (this.#state !== 'running') return Promise.reject(new Error('transport is not running'));
        return hooks.receiveSnapshot(message, chunks);
      },
    }));
    for (const extra of this.#extraServices) server.addService(extra.definition, extra.implementation);
    this.#server = server;
    this.#boundPort = await bind(server, `${o.listenHost}:${o.listenPort}`);
    this.#hooks = hooks;
    for (const [peer, address] of this.#addresses) this.#connect(peer, address);
    this.#state = 'running';
    o.logger?.info({ id: o.id, port: this.#boundPort, peers: o.peers }, 'raft transport listening');
  }

  send(messages: readonly Message[]): void {
    if (this.#state !== 'running') return;
    const touched = new Set<PeerSender | StreamPeerSender>();
    for (const message of messages) {
      if (message.from !== this.#options.id) throw new Error(`send: message from ${message.from}, this node is ${this.#options.id}`);
      const sender = this.#senders.get(message.to);
      if (sender === undefined) {
        // A member whose address is not known (yet) or one just removed: the core resends or forgets.
        this.#counters.values.unreachable += 1;
        this.#hooks?.onUnreachable(message.to);
        continue;
      }
      sender.enqueue(message);
      touched.add(sender);
    }
    for (const sender of touched) sender.pump();
  }

  /**
   * Membership: send to (and accept messages from) `peer` at `address`. A known peer at another
   * address is reconnected; the same address is a no-op. Before start(), it is recorded.
   */
  setPeer(peer: NodeId, address: string): void {
    if (peer === this.#options.id) return;
    checkAddress(peer, address);
    if (this.#addresses.get(peer) === address) return;
    this.removePeer(peer);
    this.#addresses.set(peer, address);
    this.#peerIds.add(peer);
    this.#nodeIds.add(peer);
    if (this.#state === 'running') this.#connect(peer, address);
    this.#options.logger?.info({ id: this.#options.id, peer, address }, 'raft transport peer set');
  }

  /** Membership: stop sending to `peer` and refuse its messages. */
  removePeer(peer: NodeId): void {
    this.#senders.get(peer)?.close();
    this.#senders.delete(peer);
    this.#clients.get(peer)?.close();
    this.#clients.delete(peer);
    this.#addresses.delete(peer);
    this.#peerIds.delete(peer);
    if (peer !== this.#options.id) this.#nodeIds.delete(peer);
  }

  /** Current peers and their addresses. */
  peers(): Record<NodeId, string> {
    return Object.fromEntries(this.#addresses);
  }

  #connect(peer: NodeId, address: string): void {
    const o = this.#options;
    const hooks = this.#hooks;
    if (hooks === null) throw new Error('connect before start()');
    const client = new Client(address, credentials.createInsecure(), this.#channelOptions());
    this.#clients.set(peer, client);
    const ctx = { selfId: o.id, peer, client, options: o, counters: this.#counters, hooks, senderEpoch: this.#senderEpoch };
    this.#senders.set(peer, o.sendMode === 'stream' ? new StreamPeerSender(ctx) : new PeerSender(ctx));
  }

  stats(): TransportStats {
    return this.#counters.snapshot();
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const sender of this.#senders.values()) sender.close();
    this.#senders.clear();
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
    this.#reorder?.close();
    const server = this.#server;
    this.#server = null;
    if (server !== null) await shutdown(server, this.#options.closeGraceMs);
  }

  #deliver(hooks: TransportHooks, messages: readonly Message[]): void {
    if (this.#state !== 'running') return;
    for (const message of messages) {
      this.#counters.values.receivedMessages += 1;
      hooks.onMessage(message);
    }
  }

  /**
   * grpc-js's own cap, above ours: requests between maxMessageBytes and this reach the guarded
   * deserializer and are counted; beyond it grpc-js answers RESOURCE_EXHAUSTED uncounted.
   */
  #hardReceiveLimitBytes(): number {
    return this.#options.maxMessageBytes * 2;
  }

  #channelOptions(): ChannelOptions {
    const o = this.#options;
    return {
      'grpc.initial_reconnect_backoff_ms': o.reconnectInitialBackoffMs,
      'grpc.max_reconnect_backoff_ms': o.reconnectMaxBackoffMs,
      'grpc.keepalive_time_ms': o.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_send_message_length': o.maxMessageBytes,
      'grpc.max_receive_message_length': o.maxMessageBytes,
      // Own subchannels: two transports in one process (tests) must not share connections.
      'grpc.use_local_subchannel_pool': 1,
      // Raft resends on its own; a transparent retry would only reorder.
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
    };
  }

  #codecLimits(): CodecLimits {
    const o = this.#options;
    return {
      nodeIds: this.#nodeIds,
      maxEntriesPerMessage: o.maxEntriesPerMessage,
      maxMessagesPerBatch: o.maxMessagesPerBatch,
      maxContextBytes: o.maxContextBytes,
    };
  }

  #snapshotLimits(): SnapshotLimits {
    const o = this.#options;
    return {
      nodeIds: this.#nodeIds,
      maxMembers: MAX_SNAPSHOT_MEMBERS,
      maxSnapshotBytes: o.maxSnapshotBytes,
      maxChunkBytes: o.maxMessageBytes - requestOverheadBytes,
    };
  }
}

/** Bound on the voters + learners a received snapshot's configuration may name. */
const MAX_SNAPSHOT_MEMBERS = 64;

function checkAddress(peer: NodeId, address: string): void {
  const m = /^[A-Za-z0-9.:[\]-]+:(\d{1,5})$/.exec(address);
  const port = Number(m?.[1] ?? 0);
  if (m === null || port < 1 || port > 65535) throw new Error(`address of ${peer} must be 'host:port', got ${JSON.stringify(address)}`);
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error !== null) reject(new Error(`raft transport cannot listen on ${address}: ${error.message}`, { cause: error }));
      else resolve(port);
    });
  });
}

/** tryShutdown, then forceShutdown once `graceMs` has passed. */
function shutdown(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
