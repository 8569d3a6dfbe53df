import { Toxiproxy } from 'toxiproxy-node-client';
import type { ProxyEntry } from './launcher-file.js';
import { TOXIPROXY_TOKEN_HEADER } from './toxiproxy/server.js';
import { allLinks, linkOfProxy, proxyName, type Link } from './partition.js';

/**
 * The node-to-node fault proxies, driven through the Toxiproxy HTTP API with
 * toxiproxy-node-client. A cut link is a disabled proxy: it stops listening and drops its
 * connections, so the sender's gRPC calls fail fast (connection refused) until healed.
 */
interface RawToxic {
  readonly name: string;
  readonly type: string;
}

interface RawProxy {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics?: readonly RawToxic[];
}

export interface LinkState {
  readonly link: Link;
  readonly enabled: boolean;
  /** Toxics on the link, by type (latency, timeout, ...). */
  readonly toxics: readonly string[];
}

/** toxiproxy-node-client's HTTP client: every request goes through its `doFetch(url, init)`. */
interface FetchingClient {
  doFetch(url: string, init: RequestInit): Promise<Response>;
}

/**
 * A client that sends the fault API token on every request. toxiproxy-node-client has no
 * header option, so its one fetch call is wrapped (if the library changes that, requests fail
 * with 401 and the launcher tests say so).
 */
export function toxiproxyClient(url: string, token: string | null): Toxiproxy {
  const client = new Toxiproxy(url);
  if (token === null) return client;
  const api = client.getApi() as unknown as FetchingClient;
  const doFetch = api.doFetch.bind(api);
  api.doFetch = (target, init) => doFetch(target, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), [TOXIPROXY_TOKEN_HEADER]: token } });
  return client;
}

export class FaultLinks {
  private readonly client: Toxiproxy;

  /** `token`: sent as `x-toxiproxy-token` (the launcher's built-in server requires it). */
  constructor(
    readonly url: string,
    private readonly proxies: readonly ProxyEntry[],
    token: string | null = null,
  ) {
    this.client = toxiproxyClient(url, token);
  }

  /** Create (or replace) one enabled proxy per directed pair, listening on free loopback ports. */
  static async create(url: string, nodes: readonly { id: string; grpcAddress: string }[], listenHost: string, token: string | null = null): Promise<ProxyEntry[]> {
    return FaultLinks.createLinks(url, allLinks(nodes.map((n) => n.id)), nodes, listenHost, token);
  }

  /** Create (or replace) one enabled proxy per link of `links` (a node added at run time: its links both ways). */
  static async createLinks(url: string, links: readonly Link[], nodes: readonly { id: string; grpcAddress: string }[], listenHost: string, token: string | null = null): Promise<ProxyEntry[]> {
    const client = toxiproxyClient(url, token);
    const grpcOf = new Map(nodes.map((n) => [n.id, n.grpcAddress]));
    const created = await client.populate(
      links.map((link) => ({ name: proxyName(link.from, link.to), listen: `${listenHost}:0`, upstream: grpcOf.get(link.to) ?? '', enabled: true })),
    );
    return links.map((link) => {
      const name = proxyName(link.from, link.to);
      const proxy = created[name];
      if (proxy === undefined) throw new Error(`toxiproxy at ${url} did not create proxy ${name}`);
      if (/:0$/.test(proxy.listen)) throw new Error(`toxiproxy at ${url} reports proxy ${name} listening on ${proxy.listen}: it must report the bound port`);
      return { name, from: link.from, to: link.to, listen: proxy.listen, upstream: proxy.upstream };
    });
  }

  /** Disable the proxies of `links` (idempotent). */
  async cut(links: readonly Link[]): Promise<void> {
    if (this.proxies.length === 0 && links.length > 0) throw new Error('the cluster runs without fault proxies (npm start -- --no-proxy): links cannot be cut');
    for (const link of links) {
      const entry = this.entry(link);
      const proxy = await this.client.get(entry.name);
      if (proxy.enabled) await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    }
  }

  /** Enable every launcher proxy and remove every toxic on them. */
  async heal(): Promise<void> {
    if (this.proxies.length === 0) return;
    const raw = await this.rawProxies();
    for (const entry of this.proxies) {
      const proxy = raw.get(entry.name);
      if (proxy === undefined) throw new Error(`proxy ${entry.name} is missing from toxiproxy at ${this.url}`);
      for (const toxic of proxy.toxics ?? []) {
        await this.client.getApi().delete(`${this.url}/proxies/${encodeURIComponent(entry.name)}/toxics/${encodeURIComponent(toxic.name)}`);
      }
      if (!proxy.enabled) {
        const current = await this.client.get(entry.name);
        await current.update({ enabled: true, listen: current.listen, upstream: current.upstream });
      }
    }
  }

  async states(): Promise<LinkState[]> {
    if (this.proxies.length === 0) return [];
    const raw = await this.rawProxies();
    return this.proxies.map((entry) => {
      const proxy = raw.get(entry.name);
      const link = linkOfProxy(entry.name) ?? { from: entry.from, to: entry.to };
      if (proxy === undefined) return { link, enabled: false, toxics: ['missing'] };
      return { link, enabled: proxy.enabled, toxics: (proxy.toxics ?? []).map((t) => t.type) };
    });
  }

  /** Remove the launcher's proxies (external Toxiproxy at shutdown); best effort. */
  async removeAll(): Promise<void> {
    if (this.proxies.length === 0) return;
    await Promise.allSettled(this.proxies.map((entry) => this.client.getApi().delete(`${this.url}/proxies/${encodeURIComponent(entry.name)}`)));
  }

  private entry(link: Link): ProxyEntry {
    const entry = this.proxies.find((p) => p.from === link.from && p.to === link.to);
    if (entry === undefined) throw new Error(`no fault proxy for link ${link.from}->${link.to}`);
    return entry;
  }

  private async rawProxies(): Promise<Map<string, RawProxy>> {
    const response = await this.client.getApi().get<Record<string, RawProxy>>(`${this.url}/proxies`);
    return new Map(Object.entries(response.data));
  }
}
