/**
 * The price pipeline on a whole cluster (cluster/start-cluster.ts): 3 nodes, 3 mock exchanges,
 * redis-server, dynalite, fault proxies, all real processes, one cluster shared by the tests.
 * Through the nodes' HTTP API: prices for every tier on every node, refreshes routed to the
 * leader, an exchange down (breaker open, then closed), an outlier exchange, and a leader killed
 * with -9 (the new leader's refresher takes over; one history writer per term, read straight
 * from the DynamoDB table).
 * Seed: PRICES_CLUSTER_SEED (printed); it picks the market seed, the assets and the exchanges.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SYMBOLS_FILE } from '../../cluster/launcher-services.js';
import { ISOLATE_LEADER, startCluster, type RunningCluster } from '../../cluster/control.js';
import { fetchClusterInfo } from '../../cluster/node-api.js';
import { createRng } from '../../common/rng.js';
import { loadSymbols } from '../catalog/symbols.js';
import { createDynamoClient } from './dynamo-client.js';
import type { PriceView } from './price-view.js';
import { DEFAULT_BREAKER } from './quote-fetcher.js';
import { priceKey } from './redis-price-store.js';
import { concurrentGets } from './testing/concurrent-gets.js';
import {
  getPrice,
  historyItem,
  latestHistoryItem,
  postRefresh,
  scanHistory,
  scrapeGauge,
  scrapeSum,
  waitFor,
  writersByTerm,
} from './testing/cluster-prices.js';
import { modelQuote, reconstructQuotes, volumeWeightedPrice, type MarketModel } from './testing/market-model.js';
import { DEFAULT_TIER_INTERVALS_MS } from './tiers.js';

const SEED = Number(process.env['PRICES_CLUSTER_SEED'] ?? Date.now() % 2 ** 31);
const rng = createRng(SEED);
/** The exchanges' default walk step (exchange-options.ts); the launcher passes none. */
const EXCHANGE_STEP_MS = 250;
const ALL_SOURCES = ['ex1', 'ex2', 'ex3'];
const HOT_MS = DEFAULT_TIER_INTERVALS_MS.hot;
/** Raft defaults: 50 ms ticks, election timeout drawn from [10, 20) ticks. */
const ELECTION_TIMEOUT_MAX_MS = 1_000;
/** Room for a machine shared with other test runs (processes get descheduled for a while). */
const SLACK_MS = 3_000;
const LEADER_WAIT_MS = 60_000;
/** A price answer must come within this, 503s retried (a follower may not know the leader yet). */
const ANSWER_WAIT_MS = 20_000;
/** An exchange fetch that started before a fault was set ends within this (client timeout + opossum backstop). */
const FETCH_BOUND_MS = DEFAULT_BREAKER.timeoutMs + 100;
const OUTLIER_FACTOR = 10;
const OUTLIER_MOVE_MAX = 0.0025;
const OUTLIER_SAMPLES = 3;
const CONCURRENT_GETS = 2_000;
const CONCURRENT_COLD_ASSETS = 10;
/**
 * Liveness bound of each of the concurrent GETs, not a speed target: 2,000 connects at once
 * overflow the nodes' accept queues and SYN retries wait 1 s, 3 s, ... on a loaded machine.
 */
const CONCURRENT_GET_TIMEOUT_MS = 30_000;
/** Longer than a forwarded refresh may run on the leader (node request timeout 2 s + one fetch). */
const SETTLE_MS = 3_500;

let cluster: RunningCluster | null = null;
let dynamo: DynamoDBClient | null = null;
let redis: Redis | null = null;
let symbols: string[] = [];
let market: MarketModel = { seed: 0, stepMs: EXCHANGE_STEP_MS };
const launcherLines: string[] = [];

function running(): RunningCluster {
  if (cluster === null) throw new Error('cluster not started');
  return cluster;
}

function nodeUrls(): string[] {
  return running().nodes.map((n) => n.httpUrl);
}

/** Symbols a test has touched: later picks avoid them (a cold asset must still be uncached). */
const picked = new Set<string>();

/** A symbol at positions [from, to) of symbols.csv (its tier) not picked before, chosen by the seed. */
function pick(from: number, to: number): string {
  for (let attempt = 0; attempt < 10 * (to - from); attempt++) {
    const symbol = symbols[rng.int(from, to)] as string;
    if (picked.has(symbol)) continue;
    picked.add(symbol);
    return symbol;
  }
  throw new Error(`no unpicked symbol left at positions ${from}..${to - 1}`);
}

/** GET /prices/<asset> on a node until it answers 200 (503 and no answer are retried). */
async function priceFrom(nodeUrl: string, asset: string, accept: (p: PriceView) => boolean = () => true, timeoutMs = ANSWER_WAIT_MS): Promise<PriceView> {
  let last = '';
  return waitFor(
    `GET ${nodeUrl}/prices/${asset}`,
    timeoutMs,
    async () => {
      const answer = await getPrice(nodeUrl, asset);
      last = `${answer.status} ${answer.text.slice(0, 300)}`;
      if (answer.status === 200 && answer.body !== null && accept(answer.body)) return answer.body;
      if (answer.status !== 200 && answer.status !== 503 && answer.status !== 0) throw new Error(`GET ${nodeUrl}/prices/${asset}: ${last}`);
      return null;
    },
    () => last,
  );
}

async function leaderAndTerm(): Promise<{ leader: string; term: number }> {
  const leader = await running().control.leader(LEADER_WAIT_MS);
  const info = await fetchClusterInfo(running().control.nodeUrl(leader));
  return { leader, term: info.term };
}

async function quotesServed(asset: string): Promise<number[]> {
  return Promise.all(
    running().exchangeUrls.map(async (url) => {
      const response = await fetch(`${url}/mock/stats?symbols=${asset}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { perSymbol: Record<string, number> };
      return body.perSymbol[asset] ?? 0;
    }),
  );
}

beforeAll(async () => {
  const marketSeed = rng.int(1, 2 ** 31);
  console.log(`prices cluster slow test: PRICES_CLUSTER_SEED=${SEED} (market seed ${marketSeed})`);
  market = { seed: marketSeed, stepMs: EXCHANGE_STEP_MS };
  symbols = await loadSymbols(SYMBOLS_FILE);
  // The launcher passes its environment to the exchanges; EXCHANGE_SEED sets their market.
  const savedSeed = process.env['EXCHANGE_SEED'];
  process.env['EXCHANGE_SEED'] = String(marketSeed);
  try {
    cluster = await startCluster({ redis: 'auto', log: (line) => launcherLines.push(line) });
  } finally {
    if (savedSeed === undefined) delete process.env['EXCHANGE_SEED'];
    else process.env['EXCHANGE_SEED'] = savedSeed;
  }
  const redisUrl = cluster.control.redisUrl();
  if (redisUrl === null) throw new Error(`the cluster runs without Redis (redis-server not on PATH?): ${launcherLines.join(' | ')}`);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  dynamo = createDynamoClient({ endpoint: cluster.launcher.describe().dynamodbEndpoint, region: 'us-east-1', requestTimeoutMs: 5_000 });
  await cluster.control.leader(LEADER_WAIT_MS);
});

let failed = false;
afterEach((context) => {
  if (context.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  redis?.disconnect();
  dynamo?.destroy();
  if (cluster === null) return;
  console.log(`prices cluster slow test: seed ${SEED}; launcher: ${launcherLines.slice(-10).join(' | ')}`);
  if (failed) {
    const kept = await mkdtemp(join(tmpdir(), 'bazaar-prices-cluster-logs-'));
    await cp(cluster.control.logsDir(), kept, { recursive: true });
    console.log(`a test failed (seed ${SEED}): process logs kept in ${kept}`);
  }
  await cluster.stop();
});

describe(`price pipeline on a 3-node cluster (seed ${SEED})`, () => {
  it('every node answers hot, medium and cold prices from all three exchanges; a cold miss is refreshed on the leader', async () => {
    const hot = pick(0, 20);
    const medium = pick(20, 200);
    // The last cold slot is refreshed ~52 s after the leader starts: still a cache miss now.
    const cold = pick(900, 1000);
    expect(await redis!.exists(priceKey(cold)), `${cold} is cached already`).toBe(0);
    const { leader, term } = await leaderAndTerm();
    for (const [asset, tier] of [[hot, 'hot'], [medium, 'medium'], [cold, 'cold']] as const) {
      for (const url of nodeUrls()) {
        const price = await priceFrom(url, asset);
        expect(price, `${url} ${asset}`).toMatchObject({ asset, refresh_tier: tier, stale: false });
        expect([...price.sources].sort(), `${url} ${asset}`).toEqual(ALL_SOURCES);
        expect(price.price).toBeGreaterThan(0);
      }
    }
    const coldPrice = await priceFrom(nodeUrls()[2] as string, cold);
    expect(await historyItem(dynamo!, cold, coldPrice.timestamp)).toMatchObject({ writer: leader, term });
  });

  it("a follower's GET /stocks shows the price it heard on the price channel (no Redis read): still shown after Redis lost the key", async () => {
    const { leader } = await leaderAndTerm();
    const follower = running().nodes.find((n) => n.id !== leader) as { id: string; httpUrl: string };
    // A medium asset is refreshed every 10 s: a refresh landing between the DEL and the read
    // puts the key back (then the read proves nothing and the round is repeated).
    const asset = pick(20, 200);
    for (let round = 1; round <= 3; round++) {
      await priceFrom(follower.httpUrl, asset);
      expect(await redis!.del(priceKey(asset))).toBe(1);
      // GET /prices (list) falls back to what the node heard on the channel when Redis has nothing.
      const heard = await waitFor(`${follower.id} heard ${asset} on the price channel`, ANSWER_WAIT_MS, async () => {
        const response = await fetch(`${follower.httpUrl}/prices?assets=${asset}`, { signal: AbortSignal.timeout(5_000) });
        const body = (await response.json()) as { prices: PriceView[] };
        return body.prices.find((p) => p.asset === asset) ?? null;
      });
      const response = await fetch(`${follower.httpUrl}/stocks?stockname=${asset}`, { signal: AbortSignal.timeout(5_000) });
      const stock = ((await response.json()) as { data: { name: string; price: number | null } }).data;
      if ((await redis!.exists(priceKey(asset))) === 1) continue; // a refresh came in between
      expect(response.status).toBe(200);
      expect(stock, `${follower.id} GET /stocks ${asset}`).toMatchObject({ name: asset, price: heard.price });
      return;
    }
    throw new Error(`${asset} was refreshed during each of 3 rounds: nothing shown without Redis`);
  });

  it('POST /refresh on a follower is executed on the leader (one fetch per exchange, history written by the leader)', async () => {
    const { leader, term } = await leaderAndTerm();
    const follower = running().nodes.find((n) => n.id !== leader) as { id: string; httpUrl: string };
    const asset = pick(900, 1000);
    const before = await quotesServed(asset);
    const answer = await postRefresh(follower.httpUrl, asset);
    expect(answer.status, answer.text).toBe(200);
    const price = answer.body as PriceView;
    expect([...price.sources].sort()).toEqual(ALL_SOURCES);
    expect(price.term).toBe(term);
    expect(await quotesServed(asset)).toEqual(before.map((n) => n + 1));
    expect(await historyItem(dynamo!, asset, price.timestamp)).toMatchObject({ writer: leader, term, price: price.price });
  });

  // Misses of one asset on several nodes reach the leader a little apart; each forward carries
  // the time its miss was seen (`not_before_ms`), and the leader answers with this term's price
  // computed after it instead of fetching again (seed 52542372 once showed 2 fetches without it).
  it(`${CONCURRENT_GETS} concurrent GETs over every node for ${CONCURRENT_COLD_ASSETS} uncached cold assets: one fetch per asset per exchange`, async () => {
    const cold = Array.from({ length: CONCURRENT_COLD_ASSETS }, () => pick(900, 1000));
    expect(await redis!.exists(...cold.map(priceKey)), 'cold assets cached already').toBe(0);
    const before = await Promise.all(cold.map(quotesServed));
    // Every node gets every asset: request i goes to node i % 3 for asset i % 10.
    const urls = Array.from({ length: 3 * cold.length }, (_, i) => `${nodeUrls()[i % 3] as string}/prices/${cold[i % cold.length] as string}`);
    const answers = await concurrentGets(urls, CONCURRENT_GETS, CONCURRENT_GET_TIMEOUT_MS);
    await sleep(SETTLE_MS); // a refresh the leader finishes after a follower gave up still counts
    const after = await Promise.all(cold.map(quotesServed));
    const fetches = cold.map((asset, i) => `${asset}: ${(after[i] as number[]).map((n, e) => n - ((before[i] as number[])[e] as number)).join('/')}`);
    const failed = answers.filter((a) => a.status !== 200);
    const failedPerNode = [0, 1, 2].map((n) => answers.filter((a, i) => a.status !== 200 && i % 3 === n).length);
    console.log(`${CONCURRENT_GETS} GETs: ${failed.length} failed (per node ${failedPerNode.join('/')}), last answer after ${Math.max(...answers.map((a) => a.elapsedMs))} ms`);
    console.log(`fetches per exchange (ex1/ex2/ex3): ${fetches.join(', ')}`);
    expect(fetches).toEqual(cold.map((asset) => `${asset}: 1/1/1`));
    expect(failed.slice(0, 3).map((a) => `${a.status} ${a.detail}`), `${failed.length} of ${answers.length} failed`).toEqual([]);
  });

  it(`an outlier exchange (x${OUTLIER_FACTOR} on one hot symbol) does not move the published price by more than ${OUTLIER_MOVE_MAX * 100}%`, async () => {
    const asset = pick(0, 20);
    const outlier = rng.int(1, 4);
    const honest = [1, 2, 3].filter((i) => i !== outlier);
    await checkMarketModel(asset);
    await running().control.exchangeFaults(outlier, { outlierSymbol: asset, outlierFactor: OUTLIER_FACTOR });
    const faultAtMs = Date.now();
    try {
      let seenAfterMs = faultAtMs + FETCH_BOUND_MS;
      for (let sample = 0; sample < OUTLIER_SAMPLES; sample++) {
        const url = nodeUrls()[sample % 3] as string;
        const price = await priceFrom(url, asset, (p) => p.updated_at > seenAfterMs, HOT_MS * 3 + SLACK_MS);
        seenAfterMs = price.updated_at;
        expect(price.sources, `${url} ${asset}`).toEqual(honest.map((i) => `ex${i}`));
        expect(price.excluded).toMatchObject([{ exchange: `ex${outlier}`, reason: 'outlier' }]);
        const window = { fromMs: price.timestamp - FETCH_BOUND_MS, toMs: price.timestamp };
        const kept = reconstructQuotes(market, asset, honest.map((i) => `exchange${i}`), price.price, window);
        expect(kept, `price ${price.price} of ${asset} at ${price.timestamp} is not the honest exchanges' volume-weighted price`).not.toBeNull();
        // What the outlier exchange would have quoted honestly, at the newest kept quote's step.
        const counterfactual = modelQuote(market, `exchange${outlier}`, asset, Math.floor(price.timestamp / market.stepMs));
        const withoutFault = volumeWeightedPrice([...(kept ?? []), counterfactual]);
        const move = Math.abs(price.price / withoutFault - 1);
        console.log(`outlier ex${outlier} on ${asset}: published ${price.price}, honest three ${withoutFault}, moved ${(move * 100).toFixed(4)}%`);
        expect(move).toBeLessThanOrEqual(OUTLIER_MOVE_MAX);
      }
    } finally {
      await running().control.exchangeFaults(outlier, { outlierSymbol: null, outlierFactor: 1 });
    }
  });

  it('an exchange set down: its breaker opens (metrics), prices continue from the other two; back up: the breaker closes', async () => {
    const down = rng.int(1, 4);
    const up = [1, 2, 3].filter((i) => i !== down).map((i) => `ex${i}`);
    const hot = pick(0, 20);
    const { leader } = await leaderAndTerm();
    const leaderUrl = running().control.nodeUrl(leader);
    const breaker = (): Promise<number | null> => scrapeGauge(leaderUrl, 'bazaar_exchange_breaker_state', { exchange: `ex${down}` });
    expect(await breaker()).toBe(0);
    await running().control.exchangeFaults(down, { down: true });
    let openAtMs = 0;
    try {
      await waitFor(`ex${down} breaker open on leader ${leader}`, HOT_MS * 5 + SLACK_MS, async () => ((await breaker()) === 2 ? true : null));
      openAtMs = Date.now();
      for (const url of nodeUrls()) {
        const price = await priceFrom(url, hot, (p) => p.updated_at > openAtMs, HOT_MS * 2 + SLACK_MS);
        expect(price.sources, `${url} ${hot}`).toEqual(up);
        expect(price.excluded).toMatchObject([{ exchange: `ex${down}`, reason: 'unavailable' }]);
        expect(price.excluded[0]?.detail).toMatch(/breaker_open/);
        expect(price.stale).toBe(false);
      }
    } finally {
      await running().control.exchangeFaults(down, { down: false });
    }
    const upAtMs = Date.now();
    await waitFor(`ex${down} breaker closed again`, DEFAULT_BREAKER.resetTimeoutMs + HOT_MS * 2 + SLACK_MS, async () => ((await breaker()) === 0 ? true : null));
    console.log(`ex${down} down: breaker open after the fault was set, closed ${Date.now() - upAtMs} ms after it was lifted`);
    for (const url of nodeUrls()) {
      const price = await priceFrom(url, hot, (p) => p.updated_at > upAtMs + FETCH_BOUND_MS, HOT_MS * 2 + SLACK_MS);
      expect([...price.sources].sort(), `${url} ${hot}`).toEqual(ALL_SOURCES);
    }
  });

  it('partition the leader away: its refresher stops when it steps down, and it writes no history after the new term wrote', async () => {
    const hot = symbols[1] as string;
    const { leader: oldLeader, term: oldTerm } = await leaderAndTerm();
    const oldUrl = running().control.nodeUrl(oldLeader);
    await priceFrom(oldUrl, hot, (p) => p.term === oldTerm);
    const cutAtMs = Date.now();
    await running().control.partition(ISOLATE_LEADER);
    let newTermSeenAtMs = 0;
    try {
      const newLeader = await running().control.waitForNewLeader(oldLeader, LEADER_WAIT_MS);
      const first = await waitFor(`history of ${hot} with a term above ${oldTerm}`, ELECTION_TIMEOUT_MAX_MS + HOT_MS + 2 * SLACK_MS, async () => {
        const latest = await latestHistoryItem(dynamo!, hot);
        return latest !== null && latest.term > oldTerm ? latest : null;
      });
      newTermSeenAtMs = Date.now();
      expect(first.writer).toBe(newLeader);
      // Check-quorum: the isolated leader steps down; then its refresher must stay stopped.
      await waitFor(`${oldLeader} to step down`, 2 * ELECTION_TIMEOUT_MAX_MS + SLACK_MS, async () => {
        const info = await fetchClusterInfo(oldUrl).catch(() => null);
        return info !== null && info.role !== 'leader' ? info : null;
      });
      const refreshesAfterStepDown = await scrapeSum(oldUrl, 'bazaar_price_refreshes_total');
      await sleep(2 * HOT_MS + FETCH_BOUND_MS);
      expect(await scrapeSum(oldUrl, 'bazaar_price_refreshes_total'), `${oldLeader} still refreshes after stepping down`).toBe(refreshesAfterStepDown);
      console.log(`isolated leader ${oldLeader} (term ${oldTerm}): ${newLeader} wrote term ${first.term} ${newTermSeenAtMs - cutAtMs} ms after the cut`);
    } finally {
      await running().control.heal();
    }
    const items = await scanHistory(dynamo!);
    const oldItems = items.filter((i) => i.term === oldTerm);
    expect(new Set(oldItems.map((i) => i.writer))).toEqual(new Set([oldLeader]));
    // The fence: an old-term batch lands only if it passed the fence before the new term's first
    // batch did, so it was aggregated before that batch became visible.
    const lateOld = oldItems.filter((i) => i.updatedAt >= newTermSeenAtMs);
    expect(lateOld.slice(0, 3), `old-term items aggregated after the new term's first write was visible`).toEqual([]);
    for (const [t, termWriters] of writersByTerm(items)) expect(termWriters.size, `writers of term ${t}`).toBe(1);
  });

  it('kill -9 the leader: a new leader writes history with a higher term within an election + a hot interval; one writer per term', async () => {
    const hot = symbols[0] as string;
    const { leader: oldLeader, term: oldTerm } = await leaderAndTerm();
    await priceFrom(running().control.nodeUrl(oldLeader), hot, (p) => p.term === oldTerm);
    const killAtMs = Date.now();
    await running().control.kill(oldLeader);
    const newLeader = await running().control.waitForNewLeader(oldLeader, LEADER_WAIT_MS);
    const electedMs = Date.now() - killAtMs;
    const newTermItem = await waitFor(`history of ${hot} with a term above ${oldTerm}`, ELECTION_TIMEOUT_MAX_MS + HOT_MS + 2 * SLACK_MS, async () => {
      const latest = await latestHistoryItem(dynamo!, hot);
      return latest !== null && latest.term > oldTerm ? latest : null;
    });
    const firstWriteMs = Date.now() - killAtMs;
    console.log(`killed leader ${oldLeader} (term ${oldTerm}): ${newLeader} leads after ${electedMs} ms, first history write of term ${newTermItem.term} seen after ${firstWriteMs} ms`);
    expect(newTermItem.writer).toBe(newLeader);
    expect(firstWriteMs).toBeLessThanOrEqual(ELECTION_TIMEOUT_MAX_MS + HOT_MS + SLACK_MS);
    await sleep(2 * HOT_MS); // a few more batches of the new term

    const items = await scanHistory(dynamo!);
    const writers = writersByTerm(items);
    const report = [...writers].map(([t, w]) => `term ${t}: ${[...w].join(',')}`).join('; ');
    console.log(`history: ${items.length} items; ${report}`);
    for (const [t, termWriters] of writers) {
      expect(termWriters.size, `writers of term ${t} (${report})`).toBe(1);
      expect([...termWriters][0], `term ${t}`).not.toBeNull();
    }
    expect(writers.get(oldTerm)).toEqual(new Set([oldLeader]));
    const newTerms = [...writers.keys()].filter((t) => t > oldTerm);
    expect(newTerms.length).toBeGreaterThanOrEqual(1);
    for (const t of newTerms) expect(writers.get(t), `term ${t}`).toEqual(new Set([newLeader]));
    // The old leader wrote nothing after it died; the new term wrote nothing before it.
    const firstNewMs = Math.min(...items.filter((i) => i.term > oldTerm).map((i) => i.updatedAt));
    const lastOldMs = Math.max(...items.filter((i) => i.term <= oldTerm).map((i) => i.updatedAt));
    expect(lastOldMs).toBeLessThan(killAtMs);
    expect(firstNewMs).toBeGreaterThan(killAtMs);
    expect(lastOldMs).toBeLessThan(firstNewMs);
  });
});

/** The model of the market must match what an exchange serves, or the outlier check means nothing. */
async function checkMarketModel(asset: string): Promise<void> {
  const url = running().exchangeUrls[0] as string;
  const response = await fetch(`${url}/mock/ticker/${asset}`, { signal: AbortSignal.timeout(5_000) });
  const quote = (await response.json()) as { price: number; volume: number; timestamp: number };
  const model = modelQuote(market, 'exchange1', asset, Math.floor(quote.timestamp / market.stepMs));
  expect({ price: model.price, volume: model.volume }, 'market model vs exchange1 (EXCHANGE_SEED not applied?)').toEqual({
    price: quote.price,
    volume: quote.volume,
  });
}
