/**
 * `npm run bench:refresh -- --symbols 10000 [--duration-s 60] [--seed 42]`
 * Runs the tiered refresher in this process over generated symbols against three mock exchange
 * processes, a local redis-server and dynalite (all loopback, started and killed here), then
 * prints refresher CPU, exchange requests/s, history writes/s and price age per tier.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RedisServer } from '../src/cache/redis-server.js';
import { exchangeStats, startDynaliteProcess, startExchangeProcess, type ChildHandle } from '../src/prices/testing/local-processes.js';
import { quantileSorted } from '../src/prices/price-metrics.js';
import { cliErrorText, UsageError } from './options.js';
import { createPriceService } from '../src/prices/price-service.js';

const SYMBOLS_MAX = 100_000;
const DURATION_S_MAX = 600;
const SAMPLE_EVERY_MS = 1_000;

const USAGE = `usage: npm run bench:refresh -- [options]: the tiered price refresher against three mock exchange processes, dynalite and redis-server
  --symbols N      catalog size, 1..${SYMBOLS_MAX} (default 10000)
  --duration-s N   seconds, 1..${DURATION_S_MAX} (default 60)
  --seed N         exchange price-walk seed (default 42)
  --help           this text`;

function parseOptions(): { symbols: number; durationS: number; seed: number } | null {
  let values: { symbols?: string; 'duration-s'?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: { symbols: { type: 'string' }, 'duration-s': { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help === true) return null;
  const int = (name: string, raw: string, min: number, max: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, got "${raw}"`);
    return v;
  };
  return {
    symbols: int('symbols', values.symbols ?? '10000', 1, SYMBOLS_MAX),
    durationS: int('duration-s', values['duration-s'] ?? '60', 1, DURATION_S_MAX),
    seed: int('seed', values.seed ?? '42', 0, 2 ** 32 - 1),
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options === null) {
    console.log(USAGE);
    return;
  }
  console.log(`bench:refresh symbols=${options.symbols} duration=${options.durationS}s seed=${options.seed}`);
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-bench-refresh-'));
  const children: ChildHandle[] = [];
  let redisServer: RedisServer | null = null;
  let redis: Redis | null = null;
  const cleanup = async (): Promise<void> => {
    redis?.disconnect();
    await Promise.all(children.map((c) => c.stop()));
    await redisServer?.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const symbols = Array.from({ length: options.symbols }, (_, i) => `sym${i}`);
    const symbolsFile = join(dir, 'symbols.csv');
    await writeFile(symbolsFile, `symbol\n${symbols.join('\n')}\n`);
    const started = await Promise.all([
      startDynaliteProcess(join(dir, 'dynamodb')),
      ...[1, 2, 3].map((i) => startExchangeProcess({ id: `ex${i}`, symbolsFile, seed: options.seed })),
    ]);
    children.push(...started);
    const [dynalite, ...exchanges] = started as [ChildHandle, ...ChildHandle[]];
    redisServer = await RedisServer.start();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    await run(options, symbols, redis, dynalite, exchanges);
  } finally {
    await cleanup();
  }
}

async function run(
  options: { durationS: number },
  symbols: string[],
  redis: Redis,
  dynalite: ChildHandle,
  exchanges: ChildHandle[],
): Promise<void> {
  let warnings = 0;
  const service = await createPriceService({
    symbols,
    exchangeUrls: exchanges.map((e) => e.url),
    redis,
    dynamoEndpoint: dynalite.url,
    region: 'local',
    registry: new Registry(),
    logger: { warn: () => void warnings++, info: () => {} },
  });
  const requestsBefore = await Promise.all(exchanges.map((e) => exchangeStats(e.url)));
  const ages: Record<string, number[]> = { hot: [], medium: [], cold: [] };
  const cpuBefore = process.cpuUsage();
  const startMs = Date.now();
  service.refresher.start(1);
  // Age samples start after one cold interval would be needed to fill; sample every second.
  while (Date.now() - startMs < options.durationS * 1000) {
    await sleep(SAMPLE_EVERY_MS);
    const nowMs = Date.now();
    for (const [tier, list] of Object.entries(service.pipeline.priceAgesByTier(nowMs))) ages[tier]?.push(...list);
  }
  service.refresher.stop();
  const priced = service.pipeline.priceAgesByTier(Date.now());
  const coverage = Object.entries(priced).map(([tier, list]) => `${tier} ${list.length}`).join(', ');
  const elapsedS = (Date.now() - startMs) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const requestsAfter = await Promise.all(exchanges.map((e) => exchangeStats(e.url)));
  const requests = requestsAfter.reduce((sum, s, i) => sum + s.requests - (requestsBefore[i]?.requests ?? 0), 0);
  const writes = (await service.metrics.historyWrites.get()).values[0]?.value ?? 0;
  const dropped = (await service.metrics.historyDropped.get()).values[0]?.value ?? 0;
  await service.close();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`elapsed            ${elapsedS.toFixed(1)} s`);
  console.log(`refresher CPU      ${cpuS.toFixed(2)} s (${((100 * cpuS) / elapsedS).toFixed(1)}% of one core; user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s)`);
  console.log(`exchange requests  ${(requests / elapsedS).toFixed(1)} /s (${requests} over 3 exchanges)`);
  console.log(`history writes     ${(writes / elapsedS).toFixed(1)} points/s (${writes} written, ${dropped} dropped)`);
  console.log(`warnings           ${warnings}`);
  console.log(`symbols priced     ${coverage} (ages cover priced symbols; a run shorter than the cold interval prices only part of cold)`);
  console.log('price age (s)      tier     n_samples      p50      p99      max');
  for (const [tier, list] of Object.entries(ages)) {
    const sorted = list.sort((a, b) => a - b);
    const fmt = (v: number): string => v.toFixed(2).padStart(8);
    console.log(`                   ${tier.padEnd(8)} ${String(sorted.length).padStart(9)} ${fmt(quantileSorted(sorted, 0.5))} ${fmt(quantileSorted(sorted, 0.99))} ${fmt(sorted[sorted.length - 1] ?? 0)}`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench:refresh: ${cliErrorText(err)}`);
  process.exit(1);
});
