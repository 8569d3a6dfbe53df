import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaselineServer, type BaselineServer } from '../baselines/baseline-process.js';
import { seedBaselineData } from '../baselines/fastify-redis-server.js';
import { RedisServer } from '../../src/cache/redis-server.js';
import { OUTSTANDING_CAP_CODE } from './recorder.js';
import { runLoadInChild } from './run-in-child.js';
import { HttpMethod, LoadMode, type GroupResult, type LoadSpec, type RequestSpec, type TagResult } from './types.js';

const SEED = 20_251_122;
const RUN_MS = 3000;
const SYMBOLS = ['btcusdt', 'ethusdt', 'solusdt'];

let redis: RedisServer;
let server: BaselineServer;

beforeAll(async () => {
  redis = await RedisServer.start();
  const client = new Redis(redis.url);
  await seedBaselineData(client, SYMBOLS);
  await client.quit();
  server = await startBaselineServer(redis.url);
});

afterAll(async () => {
  await server?.stop();
  await redis?.destroy();
});

const get = (path: string, tag: string): RequestSpec => ({ method: HttpMethod.Get, path, tag });

function spec(groups: LoadSpec['groups'], timelineMax = 0): LoadSpec {
  return { groups, durationMs: RUN_MS, requestsMax: 10_000_000, requestTimeoutMs: 5000, seed: SEED, timelineMax };
}

function expectConsistent(r: TagResult): void {
  expect(r.completed + r.errors).toBe(r.sent);
  expect(r.ok + r.non2xx).toBe(r.completed);
  expect(r.latency.count).toBe(r.completed);
  const l = r.latency;
  expect(l.p50Ms).toBeLessThanOrEqual(l.p95Ms);
  expect(l.p95Ms).toBeLessThanOrEqual(l.p99Ms);
  expect(l.p99Ms).toBeLessThanOrEqual(l.p999Ms);
  expect(l.p999Ms).toBeLessThanOrEqual(l.maxMs);
  const byStatusTotal = Object.values(r.byStatus).reduce((a, b) => a + b, 0);
  expect(byStatusTotal).toBe(r.non2xx + r.errors);
}

function expectGroupSumsTags(g: GroupResult): void {
  const tags = Object.values(g.byTag);
  expect(tags.reduce((a, t) => a + t.sent, 0)).toBe(g.sent);
  expect(tags.reduce((a, t) => a + t.ok, 0)).toBe(g.ok);
  tags.forEach(expectConsistent);
}

describe('load generator against the Fastify + ioredis baseline (seed printed in spec)', () => {
  it('closed loop: consistent counts, per-tag results, 404s counted as non-2xx, generator CPU reported', async () => {
    console.log(`load.slow.test seed ${SEED}`);
    const result = await runLoadInChild(
      spec([
        {
          name: 'closed',
          mode: LoadMode.Closed,
          origins: [server.url],
          connections: 8,
          workload: { kind: 'pick', requests: [get('/stocks?stockname=btcusdt', 'stocks'), get('/prices/ethusdt', 'prices'), get('/prices/nope', 'missing')] },
        },
      ], 1000),
    );
    const g = result.groups[0];
    if (g === undefined) throw new Error('no group result');
    expect(g.sent).toBeGreaterThan(100);
    expectConsistent(g);
    expectGroupSumsTags(g);
    expect(g.errors).toBe(0);
    expect(g.byTag['missing']?.non2xx).toBe(g.byTag['missing']?.sent);
    expect(g.byStatus['404']).toBe(g.non2xx);
    expect(g.byTag['stocks']?.ok).toBe(g.byTag['stocks']?.sent);
    expect(result.timeline.length).toBe(Math.min(1000, g.ok));
    expect(result.timeline.length + result.timelineDropped).toBe(g.ok);
    expect(result.timeline.every((e) => e.doneAtMs >= e.sentAtMs)).toBe(true);
    expect(result.generatorCpu.wallMs).toBeGreaterThan(0);
    expect(result.generatorCpu.percentOfOneCore).toBeGreaterThan(0);
    expect(result.seed).toBe(SEED);
  });

  it('open loop: sends at the fixed rate, and drops beyond the outstanding cap as errors', async () => {
    const ratePerSec = 500;
    const result = await runLoadInChild(
      spec([
        { name: 'steady', mode: LoadMode.Open, origins: [server.url], connections: 4, ratePerSec, outstandingMax: 1000, workload: { kind: 'pick', requests: [get('/prices/solusdt', 'prices')] } },
        { name: 'capped', mode: LoadMode.Open, origins: [server.url], connections: 1, ratePerSec: 5000, outstandingMax: 1, workload: { kind: 'pick', requests: [get('/stocks?stockname=ethusdt', 'stocks')] } },
      ]),
    );
    const [steady, capped] = result.groups;
    if (steady === undefined || capped === undefined) throw new Error('missing group result');
    // the schedule is exact: rate x duration intended sends (all in the window)
    expect(steady.sent).toBe((ratePerSec * RUN_MS) / 1000);
    expectConsistent(steady);
    expect(steady.ratePerSec).toBe(ratePerSec);
    expectConsistent(capped);
    expect(capped.sent).toBe((5000 * RUN_MS) / 1000);
    expect(capped.errors).toBeGreaterThan(0);
    expect(capped.byStatus[OUTSTANDING_CAP_CODE]).toBe(capped.errors);
  });

  it('refuses non-loopback targets before sending anything', async () => {
    await expect(
      runLoadInChild(spec([{ name: 'x', mode: LoadMode.Closed, origins: ['http://192.168.1.1:80'], connections: 1, workload: { kind: 'pick', requests: [get('/', 'x')] } }])),
    ).rejects.toThrow(/not a loopback address/);
  });
});
