import { connect, type Socket } from 'node:net';
import type { Rng } from '../../common/rng.js';
import type { ToxiproxyLimits } from './limits.js';
import { Link } from './link.js';
import type { StreamDirection, ToxicSpec } from './toxic-spec.js';

export interface UpstreamAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * One client connection through a proxy: dials the upstream, then runs an `upstream` link
 * (client -> upstream) and a `downstream` link (upstream -> client). When either link ends
 * the whole connection closes, as in real Toxiproxy (no half-open connections).
 */
export class ProxyConnection {
  private upstreamSocket: Socket | undefined;
  private readonly links = new Map<StreamDirection, Link>();
  private closing = false;
  private finished = false;

  constructor(
    private readonly client: Socket,
    private readonly rng: Rng,
    private readonly limits: ToxiproxyLimits,
    private readonly onFinished: (connection: ProxyConnection) => void,
  ) {
    client.on('error', () => undefined);
    client.on('close', () => this.socketClosed());
  }

  /** Dials the upstream; toxics are read when the links start (after the dial). */
  open(upstream: UpstreamAddress, currentToxics: () => readonly ToxicSpec[]): void {
    this.client.pause();
    // noDelay: forward small writes at once. With Nagle on the proxy's sockets, small RPC frames
    // meet the peer's delayed ACK and stall ~40 ms (real Toxiproxy, in Go, disables Nagle too).
    const socket = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true, noDelay: true });
    this.upstreamSocket = socket;
    socket.on('error', () => undefined);
    socket.on('close', () => this.socketClosed());
    socket.setTimeout(this.limits.upstreamConnectTimeoutMs, () => socket.destroy());
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (this.closing) return;
      this.startLinks(socket, currentToxics());
      this.client.resume();
    });
  }

  linkFor(stream: StreamDirection): Link | undefined {
    return this.links.get(stream);
  }

  /** Flushes what was written, sends FIN both ways, then closes (bounded in time). */
  closeGracefully(): void {
    if (this.closing) return;
    this.closing = true;
    this.disposeLinks();
    const sockets = this.sockets();
    for (const socket of sockets) {
      socket.once('finish', () => socket.destroy());
      socket.end();
    }
    setTimeout(() => this.destroy(), this.limits.closeFlushTimeoutMs).unref();
  }

  /** TCP RST on both sides ("connection reset by peer"). */
  reset(): void {
    this.closing = true;
    this.disposeLinks();
    for (const socket of this.sockets()) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  }

  destroy(): void {
    this.closing = true;
    this.disposeLinks();
    for (const socket of this.sockets()) socket.destroy();
  }

  private startLinks(upstream: Socket, toxics: readonly ToxicSpec[]): void {
    const hooks = { onEnd: () => this.closeGracefully(), onReset: () => this.reset() };
    const bufferBytesMax = this.limits.linkBufferBytesMax;
    const up = new Link(this.client, upstream, this.rng.fork(), bufferBytesMax, hooks);
    const down = new Link(upstream, this.client, this.rng.fork(), bufferBytesMax, hooks);
    this.links.set('upstream', up);
    this.links.set('downstream', down);
    up.start(toxics.filter((toxic) => toxic.stream === 'upstream'));
    down.start(toxics.filter((toxic) => toxic.stream === 'downstream'));
  }

  private sockets(): Socket[] {
    return this.upstreamSocket === undefined ? [this.client] : [this.client, this.upstreamSocket];
  }

  private disposeLinks(): void {
    for (const link of this.links.values()) link.dispose();
  }

  private socketClosed(): void {
    const allClosed = this.sockets().every((socket) => socket.destroyed);
    if (!allClosed) {
      // One side is gone (reset, error, or closed by us): take the other down gracefully.
      this.closeGracefully();
      return;
    }
    if (this.finished) return;
    this.finished = true;
    this.disposeLinks();
    this.onFinished(this);
  }
}
