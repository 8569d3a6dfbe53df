/**
 * Read baseline: a bare Fastify + ioredis server answering each request with exactly one
 * Redis GET of a pre-serialized JSON value. Routes mirror Bazaar's cached reads:
 *   GET /stocks?stockname=S  -> value of `bench:stock:<s>`
 *   GET /prices/:asset       -> value of `bench:price:<asset>`
 *   GET /health              -> "OK"
 * Run: `tsx bench/baselines/fastify-redis-server.ts --redis-url redis://127.0.0.1:6379 [--port 0]`.
 * On listening it prints one JSON line `{"listening":<port>}` to stdout.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

export const STOCK_KEY_PREFIX = 'bench:stock:';
export const PRICE_KEY_PREFIX = 'bench:price:';

export function buildBaselineApp(redis: Redis): FastifyInstance {
  const app = Fastify({ logger: false });
  const notFound = (what: string) => ({ error: { code: 404, message: `${what} not found` } });
  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get<{ Querystring: { stockname?: string } }>('/stocks', async (req, reply) => {
    const name = (req.query.stockname ?? '').toLowerCase();
    const value = await redis.get(STOCK_KEY_PREFIX + name);
    if (value === null) return reply.code(404).send(notFound(`stock "${name}"`));
    return reply.type('application/json').send(value);
  });
  app.get<{ Params: { asset: string } }>('/prices/:asset', async (req, reply) => {
    const asset = req.params.asset.toLowerCase();
    const value = await redis.get(PRICE_KEY_PREFIX + asset);
    if (value === null) return reply.code(404).send(notFound(`price of "${asset}"`));
    return reply.type('application/json').send(value);
  });
  return app;
}

/** Store one stock and one price JSON value per symbol, shaped like Bazaar's responses. */
export async function seedBaselineData(redis: Redis, symbols: readonly string[]): Promise<void> {
  const nowMs = Date.now();
  const pipeline = redis.pipeline();
  symbols.forEach((name, i) => {
    const price = 100 + i;
    pipeline.set(STOCK_KEY_PREFIX + name, JSON.stringify({ data: { name, price, quantity: 100, volume: 0 } }));
    pipeline.set(
      PRICE_KEY_PREFIX + name,
      JSON.stringify({ asset: name, price, last_updated: new Date(nowMs).toISOString(), time_ago: '0s', refresh_tier: 'hot', timestamp: nowMs, age_ms: 0, stale: false, sources: 3, confidence: 1 }),
    );
  });
  const results = await pipeline.exec();
  const failed = (results ?? []).find(([err]) => err !== null);
  if (failed !== undefined) throw new Error(`seeding baseline data failed: ${String(failed[0])}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'redis-url': { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const redisUrl = values['redis-url'];
  if (redisUrl === undefined) throw new Error('--redis-url is required (e.g. redis://127.0.0.1:6379)');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got "${values.port}"`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  const app = buildBaselineApp(redis);
  await app.listen({ port, host: values.host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('baseline server: no TCP address');
  process.stdout.write(`${JSON.stringify({ listening: address.port })}\n`);
  const shutdown = (): void => {
    void app.close().then(() => redis.quit()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`fastify-redis-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
