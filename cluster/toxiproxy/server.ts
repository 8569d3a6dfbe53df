import { randomInt, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng } from '../../common/rng.js';
import { ApiError, ApiErrors } from './api-error.js';
import { defaultToxiproxyLimits, validateLimits, type ToxiproxyLimits } from './limits.js';
import { parseProxyInput, parseProxyUpdate, ProxyCollection } from './proxy-collection.js';
import { parseToxicCreate, parseToxicUpdate, toxicToJson } from './toxic-spec.js';

/** Reported by GET /version: the Toxiproxy API this server follows, marked as ours. */
export const TOXIPROXY_VERSION = '2.12.0-bazaar';

export interface ToxiproxyServerOptions {
  readonly host: string;
  readonly port: number;
  /** Seed of jitter and toxicity draws; default TOXIPROXY_SEED, else random. Printed at start. */
  readonly seed?: number;
  readonly limits?: Partial<ToxiproxyLimits>;
  /** Where the start line (address and seed) goes; default stderr. */
  readonly log?: (line: string) => void;
  /** When set, every request but `GET /version` needs it in `x-toxiproxy-token` (401 otherwise). */
  readonly token?: string;
}

/** Header of the fault API token (real Toxiproxy has none; clients that send it work with both). */
export const TOXIPROXY_TOKEN_HEADER = 'x-toxiproxy-token';

function tokenRefused(token: string | undefined, method: string, parts: readonly string[] | undefined, request: IncomingMessage): boolean {
  if (token === undefined || (method === 'GET' && parts?.length === 1 && parts[0] === 'version')) return false;
  const given = request.headers[TOXIPROXY_TOKEN_HEADER];
  if (typeof given !== 'string') return true;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length !== b.length || !timingSafeEqual(a, b);
}

export interface ToxiproxyServerHandle {
  readonly url: string;
  readonly port: number;
  readonly seed: number;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

function resolveSeed(option: number | undefined): { seed: number; source: string } {
  if (option !== undefined) return { seed: option, source: 'option' };
  const fromEnv = process.env['TOXIPROXY_SEED'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isSafeInteger(seed)) throw new Error(`TOXIPROXY_SEED must be an integer, got ${fromEnv}`);
    return { seed, source: 'TOXIPROXY_SEED' };
  }
  return { seed: randomInt(2 ** 31), source: 'random' };
}

async function readJson(request: IncomingMessage, bodyBytesMax: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > bodyBytesMax) throw ApiError.join(ApiErrors.badRequestBody, `body larger than ${bodyBytesMax} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw ApiError.join(ApiErrors.badRequestBody, 'EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw ApiError.join(ApiErrors.badRequestBody, (error as Error).message);
  }
}

/** Serialises API mutations: proxies start and stop asynchronously. */
function createMutex(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

function createRouter(proxies: ProxyCollection, limits: ToxiproxyLimits) {
  const body = (request: IncomingMessage): Promise<unknown> => readJson(request, limits.requestBodyBytesMax);
  return async (method: string, parts: readonly string[], request: IncomingMessage): Promise<Reply> => {
    const [root, proxyName, sub, toxicName] = parts;
    if (parts.length === 1 && root === 'version' && method === 'GET') return { status: 200, body: { version: TOXIPROXY_VERSION } };
    if (parts.length === 1 && root === 'reset' && method === 'POST') {
      await proxies.reset();
      return { status: 204 };
    }
    if (parts.length === 1 && root === 'populate' && method === 'POST') {
      return { status: 201, body: { proxies: await proxies.populate(await body(request)) } };
    }
    if (root !== 'proxies') throw ApiErrors.notFound;
    if (proxyName === undefined) {
      if (method === 'GET') return { status: 200, body: Object.fromEntries(proxies.list().map((p) => [p.name, p])) };
      if (method === 'POST') return { status: 201, body: await proxies.add(parseProxyInput(await body(request))) };
      throw ApiErrors.methodNotAllowed;
    }
    if (sub === undefined) {
      if (method === 'GET') return { status: 200, body: proxies.get(proxyName) };
      if (method === 'POST' || method === 'PATCH') {
        const proxy = proxies.get(proxyName);
        await proxy.update(parseProxyUpdate(await body(request), proxy));
        return { status: 200, body: proxy };
      }
      if (method === 'DELETE') {
        await proxies.remove(proxyName);
        return { status: 204 };
      }
      throw ApiErrors.methodNotAllowed;
    }
    if (sub !== 'toxics' || parts.length > 4) throw ApiErrors.notFound;
    const proxy = proxies.get(proxyName);
    if (toxicName === undefined) {
      if (method === 'GET') return { status: 200, body: proxy.toxicsJson() };
      if (method === 'POST') {
        const spec = parseToxicCreate(await body(request), limits.toxicAttributeMax);
        proxy.addToxic(spec);
        return { status: 200, body: toxicToJson(spec) };
      }
      throw ApiErrors.methodNotAllowed;
    }
    const existing = proxy.findToxic(toxicName);
    if (existing === undefined) throw ApiErrors.toxicNotFound;
    if (method === 'GET') return { status: 200, body: toxicToJson(existing) };
    if (method === 'POST' || method === 'PATCH') {
      const updated = parseToxicUpdate(await body(request), existing, limits.toxicAttributeMax);
      proxy.updateToxic(updated);
      return { status: 200, body: toxicToJson(updated) };
    }
    if (method === 'DELETE') {
      proxy.removeToxic(toxicName);
      return { status: 204 };
    }
    throw ApiErrors.methodNotAllowed;
  };
}

function send(response: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    response.writeHead(reply.status).end();
    return;
  }
  const text = `${JSON.stringify(reply.body)}\n`;
  response.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function splitPath(url: string | undefined): string[] | undefined {
  const path = new URL(url ?? '/', 'http://toxiproxy').pathname;
  try {
    return path.split('/').filter((part) => part !== '').map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

/**
 * Starts the Toxiproxy-compatible API server in this process. `port` 0 picks a free port.
 * `close()` stops the API and every proxy.
 */
export async function startToxiproxyServer(options: ToxiproxyServerOptions): Promise<ToxiproxyServerHandle> {
  const limits = validateLimits({ ...defaultToxiproxyLimits, ...options.limits });
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`toxiproxy port must be an integer in [0, 65535], got ${options.port}`);
  }
  const { seed, source } = resolveSeed(options.seed);
  const proxies = new ProxyCollection(createRng(seed), limits);
  const route = createRouter(proxies, limits);
  const exclusive = createMutex();
  const server = createServer((request, response) => {
    const method = request.method ?? 'GET';
    const parts = splitPath(request.url);
    const work = async (): Promise<Reply> => {
      if (tokenRefused(options.token, method, parts, request)) throw new ApiError(`missing or wrong ${TOXIPROXY_TOKEN_HEADER}`, 401);
      if (parts === undefined) throw ApiErrors.notFound;
      return method === 'GET' ? route(method, parts, request) : exclusive(() => route(method, parts, request));
    };
    work().then(
      (reply) => send(response, reply),
      (error: unknown) => {
        const apiError = error instanceof ApiError ? error : new ApiError(String((error as Error).message ?? error), 500);
        send(response, { status: apiError.status, body: apiError });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
    `toxiproxy: API on ${url}, seed ${seed} (from ${source})`,
  );
  return {
    url,
    port,
    seed,
    close: async () => {
      await exclusive(() => proxies.closeAll());
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
