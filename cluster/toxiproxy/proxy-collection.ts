import type { Rng } from '../../common/rng.js';
import { ApiError, ApiErrors } from './api-error.js';
import type { ToxiproxyLimits } from './limits.js';
import { Proxy, validateProxyAddresses } from './proxy.js';

export interface ProxyInput {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(body: Record<string, unknown>, key: string, fallback: string): string {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw ApiError.join(ApiErrors.badRequestBody, `${key} must be a string`);
  return value;
}

function boolField(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw ApiError.join(ApiErrors.badRequestBody, `${key} must be a boolean`);
  return value;
}

/** Parses a proxy body (POST /proxies, one /populate item); `at` names the item in errors. */
export function parseProxyInput(body: unknown, at = ''): ProxyInput {
  if (!isRecord(body)) throw ApiError.join(ApiErrors.badRequestBody, 'expected a JSON object');
  const input = {
    name: stringField(body, 'name', ''),
    listen: stringField(body, 'listen', ''),
    upstream: stringField(body, 'upstream', ''),
    enabled: boolField(body, 'enabled', true),
  };
  if (input.name === '') throw ApiError.join(ApiErrors.missingField, `name${at}`);
  if (input.upstream === '') throw ApiError.join(ApiErrors.missingField, `upstream${at}`);
  return input;
}

/** Parses a proxy update body: absent fields keep the proxy's current values. */
export function parseProxyUpdate(body: unknown, proxy: Proxy): { listen: string; upstream: string; enabled: boolean } {
  if (!isRecord(body)) throw ApiError.join(ApiErrors.badRequestBody, 'expected a JSON object');
  return {
    listen: stringField(body, 'listen', proxy.listen),
    upstream: stringField(body, 'upstream', proxy.upstream),
    enabled: boolField(body, 'enabled', proxy.enabled),
  };
}

/** All proxies of one server, by name. Callers serialise mutations. */
export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>();

  constructor(
    private readonly rng: Rng,
    private readonly limits: ToxiproxyLimits,
  ) {}

  list(): Proxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name);
    if (proxy === undefined) throw ApiErrors.proxyNotFound;
    return proxy;
  }

  async add(input: ProxyInput): Promise<Proxy> {
    if (this.proxies.has(input.name)) throw ApiErrors.proxyAlreadyExists;
    if (this.proxies.size >= this.limits.proxiesMax) {
      throw ApiError.join(ApiErrors.limitReached, `at most ${this.limits.proxiesMax} proxies`);
    }
    const proxy = new Proxy(input.name, input, this.rng.fork(), this.limits);
    if (input.enabled) await proxy.start();
    this.proxies.set(input.name, proxy);
    return proxy;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    await proxy.stop();
  }

  /**
   * POST /populate: validates every item first, then creates or replaces each proxy; one
   * whose listen and upstream are unchanged is kept as it is (real Toxiproxy's AddOrReplace).
   */
  async populate(body: unknown): Promise<Proxy[]> {
    if (!Array.isArray(body)) throw ApiError.join(ApiErrors.badRequestBody, 'expected a JSON array of proxies');
    const inputs = body.map((item: unknown, index) => parseProxyInput(item, ` at proxy ${index + 1}`));
    const names = new Set<string>();
    for (const input of inputs) {
      if (names.has(input.name)) throw ApiError.join(ApiErrors.badRequestBody, `duplicate proxy name ${JSON.stringify(input.name)}`);
      names.add(input.name);
      if (input.enabled) validateProxyAddresses(input);
    }
    const result: Proxy[] = [];
    for (const input of inputs) {
      const existing = this.proxies.get(input.name);
      if (existing !== undefined && existing.listen === input.listen && existing.upstream === input.upstream) {
        result.push(existing);
        continue;
      }
      if (existing !== undefined) await this.remove(input.name);
      result.push(await this.add(input));
    }
    return result;
  }

  /** POST /reset: enable every proxy and remove every toxic. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      await proxy.start();
      proxy.removeAllToxics();
    }
  }

  async closeAll(): Promise<void> {
    for (const proxy of this.proxies.values()) await proxy.stop();
    this.proxies.clear();
  }
}
