import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import { makeTempDir, openMachine } from '../bazaar/test-support.js';
import type { AdminRoutesOptions } from '../node/admin-routes.js';
import type { MemberRoutesOptions } from '../node/member-routes.js';
import { ExchangesUnavailableError } from '../prices/price-errors.js';
import type { MarketRoutesOptions } from '../prices/market-routes.js';
import { PriceStreamHub } from '../prices/price-stream-hub.js';
import type { PricesRoutesOptions } from '../prices/prices-routes.js';
import type { WebRoutesOptions } from '../web/web-routes.js';
import { buildTierMap, tierConfig } from '../prices/tiers.js';
import { buildApp } from './app.js';
import type { BazaarBackend } from './backend.js';
import type { HttpLimits } from './http-limits.js';
import { LocalBackend } from './local-backend.js';

/**
 * Test kit: the production app (buildApp, every route module of the registry) over a
 * LocalBackend on a real state machine in a temp LevelDB (no Raft). Price and admin routes get
 * in-memory dependencies a test may replace; the admin token is generated per app.
 */

export const TEST_SYMBOLS = ['btcusdt', 'ethusdt', 'solusdt', 'aapl'];

export interface TestApp {
  readonly app: FastifyInstance;
  readonly machine: BazaarStateMachine;
  /** The generated token the admin routes expect in x-cluster-token. */
  readonly adminToken: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly backend?: (local: LocalBackend) => BazaarBackend;
  readonly prices?: Partial<PricesRoutesOptions>;
  readonly admin?: Partial<AdminRoutesOptions>;
  readonly market?: Partial<MarketRoutesOptions>;
  readonly web?: Partial<WebRoutesOptions>;
  readonly members?: Partial<MemberRoutesOptions>;
  readonly logger?: Logger;
  readonly limits?: Partial<HttpLimits>;
  readonly symbols?: readonly string[];
}

function testPrices(symbols: readonly string[], overrides: Partial<PricesRoutesOptions>): PricesRoutesOptions {
  return {
    tierMap: buildTierMap([...symbols]),
    tiers: tierConfig(),
    latestStore: null,
    historyStore: null,
    refreshNow: (asset) => Promise.reject(new ExchangesUnavailableError(asset, 'no exchanges in this test')),
    lookupsInFlightMax: 100,
    ...overrides,
  };
}

function testMarket(prices: PricesRoutesOptions, overrides: Partial<MarketRoutesOptions>): MarketRoutesOptions {
  return {
    tierMap: prices.tierMap,
    tiers: prices.tiers,
    latestStore: prices.latestStore,
    historyStore: prices.historyStore,
    hub: new PriceStreamHub({ windowEventsMax: 100, streamsMax: 10, clientBufferBytesMax: 64 * 1024 }),
    keepAliveMs: 10_000,
    ...overrides,
  };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const symbols = options.symbols ?? TEST_SYMBOLS;
  const temp = await makeTempDir('http');
  const machine = await openMachine(temp.dir, [...symbols]);
  const registry = new Registry();
  const local = new LocalBackend({ machine, registry, nodeId: 'n1', priceOf: (name) => (name === 'btcusdt' ? 42.5 : null) });
  const adminToken = randomBytes(16).toString('hex');
  const backend = options.backend?.(local) ?? local;
  const prices = testPrices(symbols, options.prices ?? {});
  const app = await buildApp({
    nodeId: 'n1',
    logger: options.logger ?? pino({ level: 'silent' }),
    registry,
    currentTerm: () => 7,
    routes: {
      backend,
      prices,
      market: testMarket(prices, options.market ?? {}),
      admin: { clusterToken: adminToken, members: ['n1'], transfer: () => Promise.resolve(), ...options.admin },
      web: { nodeId: 'n1', hotAssets: [...symbols], clusterStatus: () => backend.clusterStatus(), peerHttp: new Map(), ...options.web },
      members: {
        clusterToken: adminToken,
        members: () => ({ leader: 'n1', confIndex: 0, members: [{ id: 'n1', role: 'voter', address: '127.0.0.1:1', matchIndex: 1 }] }),
        addLearner: () => Promise.resolve({ index: 2 }),
        promote: () => Promise.resolve({ index: 3 }),
        remove: () => Promise.resolve({ index: 4 }),
        dialPeer: () => undefined,
        ...options.members,
      },
    },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  return {
    app,
    machine,
    adminToken,
    close: async () => {
      await app.close();
      await machine.close();
      await temp.remove();
    },
  };
}
