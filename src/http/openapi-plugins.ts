import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes } from '../node/admin-routes.js';
import { marketRoutes } from '../prices/market-routes.js';
import { PriceStreamHub } from '../prices/price-stream-hub.js';
import { pricesRoutes } from '../prices/prices-routes.js';
import { webRoutes } from '../web/web-routes.js';
import { buildTierMap, tierConfig } from '../prices/tiers.js';

/**
 * Extra route plugins the node registers on the app (besides the bazaar routes), built here
 * over documentation stubs so `npm run openapi` documents them, in the order src/node/node.ts
 * registers them. Only their schemas matter here: the stubs are never called.
 */
export function documentedPlugins(): Promise<FastifyPluginAsync[]> {
  const notCalled = (): Promise<never> => Promise.reject(new Error('documentation stub'));
  return Promise.resolve([
    async (app) =>
      app.register(pricesRoutes, {
        tierMap: buildTierMap(['btcusdt']),
        tiers: tierConfig(),
        latestStore: null,
        historyStore: null,
        refreshNow: notCalled,
        lookupsInFlightMax: 1,
      }),
    async (app) =>
      app.register(marketRoutes, {
        tierMap: buildTierMap(['btcusdt']),
        tiers: tierConfig(),
        latestStore: null,
        historyStore: null,
        hub: new PriceStreamHub({ windowEventsMax: 1, streamsMax: 1, clientBufferBytesMax: 1, epoch: 'doc' }),
        keepAliveMs: 60_000,
      }),
    adminRoutes({ clusterToken: 'documentation', members: ['n1'], transfer: notCalled }),
    async (app) => app.register(webRoutes, { nodeId: 'n1', hotAssets: ['btcusdt'], clusterStatus: notCalled, peerHttp: new Map() }),
  ]);
}
