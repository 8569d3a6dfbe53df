import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Rng } from '../../common/rng.js';
import { formatHostPort, listenHost, parseHostPort } from './address.js';
import { ApiError, ApiErrors } from './api-error.js';
import { ProxyConnection } from './connection.js';
import type { ToxiproxyLimits } from './limits.js';
import { toxicToJson, type ToxicSpec } from './toxic-spec.js';

export interface ProxyConfig {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
}

export function validateProxyAddresses(config: { listen: string; upstream: string }): void {
  const listen = parseHostPort(config.listen);
  // Only an IP literal, localhost or empty (all interfaces) can be bound; `999.1.1.1` is none.
  if (listen === undefined || (listen.host !== '' && listen.host !== 'localhost' && isIP(listen.host) === 0)) {
    throw ApiError.join(ApiErrors.badRequestBody, `invalid listen address ${JSON.stringify(config.listen)}`);
  }
  const upstream = parseHostPort(config.upstream);
  if (upstream === undefined || upstream.host === '' || upstream.port === 0) {
    throw ApiError.join(ApiErrors.badRequestBody, `invalid upstream address ${JSON.stringify(config.upstream)}`);
  }
}

/** A listen failure the caller can fix (address taken or not local) is theirs, not the server's. */
function listenErrorStatus(error: NodeJS.ErrnoException): number {
  if (error.code === 'EADDRINUSE') return 409;
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES') return 400;
  return 500;
}

/**
 * One named proxy: a TCP listener whose connections are piped to `upstream` through the
 * proxy's toxics. Disabling it stops listening (connections are refused) and closes every
 * open connection. After the first start, `listen` holds the bound address (port 0 resolved),
 * so a re-enabled proxy listens on the same port.
 */
export class Proxy {
  listen: string;
  upstream: string;
  enabled = false;
  private server: Server | undefined;
  private readonly connections = new Set<ProxyConnection>();
  private readonly toxics: ToxicSpec[] = [];

  constructor(
    readonly name: string,
    config: { listen: string; upstream: string },
    private readonly rng: Rng,
    private readonly limits: ToxiproxyLimits,
  ) {
    validateProxyAddresses(config);
    this.listen = config.listen;
    this.upstream = config.upstream;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxicsJson() };
  }

  toxicsJson(): Record<string, unknown>[] {
    // Real Toxiproxy lists the upstream chain first, then the downstream chain.
    const ordered = [...this.toxics.filter((t) => t.stream === 'upstream'), ...this.toxics.filter((t) => t.stream === 'downstream')];
    return ordered.map(toxicToJson);
  }

  async start(): Promise<void> {
    if (this.enabled) return;
    const address = parseHostPort(this.listen);
    if (address === undefined) throw new Error(`proxy ${this.name}: listen ${this.listen} was validated`);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ApiError(`listen tcp ${this.listen}: ${error.message}`, listenErrorStatus(error))));
      server.listen({ host: listenHost(address.host), port: address.port }, () => resolve());
    });
    server.on('error', () => undefined);
    const bound = server.address() as AddressInfo;
    this.listen = formatHostPort(bound.address, bound.port);
    this.server = server;
    this.enabled = true;
  }

  async stop(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    const server = this.server;
    this.server = undefined;
    for (const connection of this.connections) connection.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Applies POST /proxies/{name}: restart on address change, then enable or disable. */
  async update(input: { listen: string; upstream: string; enabled: boolean }): Promise<void> {
    if (input.listen !== this.listen || input.upstream !== this.upstream) {
      validateProxyAddresses(input);
      await this.stop();
      this.listen = input.listen;
      this.upstream = input.upstream;
    }
    if (input.enabled) await this.start();
    else await this.stop();
  }

  findToxic(name: string): ToxicSpec | undefined {
    return this.toxics.find((toxic) => toxic.name === name);
  }

  addToxic(spec: ToxicSpec): void {
    if (this.findToxic(spec.name) !== undefined) throw ApiErrors.toxicAlreadyExists;
    if (this.toxics.length >= this.limits.toxicsPerProxyMax) {
      throw ApiError.join(ApiErrors.limitReached, `at most ${this.limits.toxicsPerProxyMax} toxics per proxy`);
    }
    this.toxics.push(spec);
    for (const connection of this.connections) connection.linkFor(spec.stream)?.addToxic(spec);
  }

  updateToxic(spec: ToxicSpec): void {
    const index = this.toxics.findIndex((toxic) => toxic.name === spec.name);
    if (index < 0) throw ApiErrors.toxicNotFound;
    this.toxics[index] = spec;
    for (const connection of this.connections) connection.linkFor(spec.stream)?.updateToxic(spec);
  }

  removeToxic(name: string): void {
    const index = this.toxics.findIndex((toxic) => toxic.name === name);
    const spec = this.toxics[index];
    if (spec === undefined) throw ApiErrors.toxicNotFound;
    this.toxics.splice(index, 1);
    for (const connection of this.connections) connection.linkFor(spec.stream)?.removeToxic(name);
  }

  removeAllToxics(): void {
    for (const toxic of [...this.toxics]) this.removeToxic(toxic.name);
  }

  private accept(client: Socket): void {
    if (!this.enabled || this.connections.size >= this.limits.connectionsPerProxyMax) {
      client.destroy();
      return;
    }
    const upstream = parseHostPort(this.upstream);
    if (upstream === undefined) throw new Error(`proxy ${this.name}: upstream ${this.upstream} was validated`);
    const connection = new ProxyConnection(client, this.rng.fork(), this.limits, (done) => this.connections.delete(done));
    this.connections.add(connection);
    connection.open(upstream, () => this.toxics);
  }
}
