import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../common/rng.js';
import { getOrder, getOrderEventually, getStock, getStockEventually, postTrade, type TradeBody } from './testing/bazaar-http.js';
import { useNodeClusterWithRedis } from './testing/cluster-suite.js';
import { TradeLedger, mapLimit, testSeed } from './testing/trade-ledger.js';

/**
 * Three real node processes and a real redis-server on loopback: trades and reads through
 * every node, dense unique transaction numbers under concurrent clients, and the seed's bazaar
 * client session (lookups, trades with probability p, every order checked at the end).
 */

const SYMBOLS = ['aapl', 'msft', 'goog', 'amzn', 'tsla', 'nvda', 'meta', 'nflx', 'intc', 'amd', 'orcl', 'ibm'];
const INITIAL_QUANTITY = 100;
const SEED = testSeed();

/** Trades executed by earlier tests of this file (transaction numbers are dense from 1). */
let executedBefore = 0;
const need = useNodeClusterWithRedis('trades', SYMBOLS);

beforeAll(() => {
  console.log(`trades slow test seed ${SEED} (set BAZAAR_TEST_SEED to replay)`);
});

function randomTrade(rng: Rng, names: readonly string[]): TradeBody {
  return { name: rng.pick(names), type: rng.chance(0.5) ? 'BUY' : 'SELL', quantity: rng.int(1, 4) };
}

/** bazaar_cache_hits_total + bazaar_cache_misses_total of one node. */
async function cacheLookupCount(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^bazaar_cache_(?:hits|misses)_total (\d+)/gm)) total += Number(m[1]);
  return total;
}

describe('trades through three real nodes with Redis', () => {
  it('gives dense unique transaction numbers under concurrent clients on every node, and every node reads them back', async () => {
    const c = need();
    const rng = createRng(SEED);
    const clients = 8;
    const tradesPerClient = 50;
    const names = SYMBOLS.slice(0, 4);
    const ledger = new TradeLedger(INITIAL_QUANTITY);
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        const crng = rng.fork();
        for (let i = 0; i < tradesPerClient; i++) {
          const node = c.ids[(client + i) % c.ids.length] as string;
          const trade = randomTrade(crng, names);
          const res = await postTrade(c.url(node), trade);
          expect([200, 409], `${node} ${JSON.stringify(trade)} -> ${res.status} ${JSON.stringify(res.body)} ${res.error ?? ''}`).toContain(res.status);
          ledger.record(trade, res.status, res.body?.data?.transaction_number ?? null);
        }
      }),
    );
    const numbers = ledger.acked.map((t) => t.transactionNumber).sort((a, b) => a - b);
    const expected = Array.from({ length: numbers.length }, (_, i) => executedBefore + i + 1);
    expect(numbers).toEqual(expected);
    expect(ledger.acked.length + ledger.refused.length).toBe(clients * tradesPerClient);
    executedBefore += numbers.length;

    const lookups = ledger.acked.flatMap((t) => c.ids.map((node) => ({ t, node })));
    const mismatches = (
      await mapLimit(lookups, 16, async ({ t, node }) => {
        // Reads are idempotent: a 503 (allowed by the contract) is retried, as Retry-After asks.
        const got = await getOrderEventually(c.url(node), t.transactionNumber);
        const ok = got?.number === t.transactionNumber && got.name === t.name && got.type === t.type && got.quantity === t.quantity;
        return ok ? null : `${node} order ${t.transactionNumber}: ${JSON.stringify(got)} expected ${JSON.stringify(t)}`;
      })
    ).filter((m) => m !== null);
    expect(mismatches).toEqual([]);

    for (const name of names) {
      const bounds = ledger.quantityBounds(name);
      expect(bounds.exact).not.toBeNull();
      for (const node of c.ids) {
        const stock = await getStockEventually(c.url(node), name.toUpperCase());
        expect(stock).toMatchObject({ name, quantity: bounds.exact, volume: ledger.volumeBounds(name).min });
      }
    }
    const leader = await c.waitForLeader();
    const commit = (await c.clusterView(leader))?.commit_index ?? Number.MAX_SAFE_INTEGER;
    for (const node of c.ids) {
      await c.waitApplied(node, commit);
      for (const name of names) {
        const res = await getStock(c.url(node), name, { stale: true });
        expect(res.status).toBe(200);
        expect(res.body?.data?.quantity, `stale read of ${name} on ${node}`).toBe(ledger.quantityBounds(name).exact);
      }
    }
    const cacheLookups = await Promise.all(c.ids.map((node) => cacheLookupCount(c.url(node))));
    expect(cacheLookups.reduce((a, b) => a + b, 0), 'stale reads went through the Redis cache').toBeGreaterThan(0);
    const unknown = await getOrder(c.url(c.ids[0] as string), executedBefore + 1);
    expect(unknown.status).toBe(404);
  });

  it('runs the seed bazaar client: sessions look up random stocks, trade with probability p, then check every order', async () => {
    const c = need();
    const rng = createRng(SEED + 1);
    const sessions = 6;
    const requestsPerSession = 40;
    const tradeProbability = 0.5;
    const ledger = new TradeLedger(INITIAL_QUANTITY);
    const perSession = await Promise.all(
      Array.from({ length: sessions }, async (_, session) => {
        const srng = rng.fork();
        const base = c.url(c.ids[session % c.ids.length] as string);
        const hello = await fetch(`${base}/hello?name=session${session}`);
        expect(await hello.text()).toBe(`Hello, session${session}!`);
        const placed: { number: number; trade: TradeBody }[] = [];
        for (let i = 0; i < requestsPerSession; i++) {
          const name = srng.pick(SYMBOLS);
          const stock = await getStockEventually(base, name);
          expect(stock.name).toBe(name);
          expect(stock.quantity).toBeGreaterThanOrEqual(0);
          if (!srng.chance(tradeProbability)) continue;
          const trade: TradeBody = { name, type: srng.chance(0.5) ? 'BUY' : 'SELL', quantity: srng.int(1, 6) };
          const res = await postTrade(base, trade);
          expect([200, 409]).toContain(res.status);
          ledger.record(trade, res.status, res.body?.data?.transaction_number ?? null);
          if (res.status === 200) placed.push({ number: res.body?.data?.transaction_number ?? -1, trade });
        }
        for (const { number, trade } of placed) {
          expect(await getOrderEventually(base, number)).toMatchObject({ number, name: trade.name, type: trade.type, quantity: trade.quantity });
        }
        return placed.length;
      }),
    );
    const placedTotal = perSession.reduce((a, b) => a + b, 0);
    expect(placedTotal).toBe(ledger.acked.length);
    expect(placedTotal).toBeGreaterThan(0);
    const numbers = ledger.acked.map((t) => t.transactionNumber).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => executedBefore + i + 1));
    executedBefore += numbers.length;
  });
});
