import { PriceStreamHub } from '../prices/price-stream-hub.js';
import { buildTierMap, tierConfig } from '../prices/tiers.js';
import type { BazaarBackend } from './backend.js';
import type { RouteDeps } from './route-modules.js';

/**
 * The route modules' dependencies as documentation stubs: `npm run openapi` builds the app with
 * buildApp over these (the same route registry as the node), so only the schemas matter here:
 * the stubs are never called.
 */
export function documentationRouteDeps(): RouteDeps {
  const notCalled = (): Promise<never> => Promise.reject(new Error('documentation stub'));
  const backend: BazaarBackend = {
    trade: notCalled,
    readStock: notCalled,
    readOrder: notCalled,
    listOrders: notCalled,
    listStocks: notCalled,
    clusterStatus: notCalled,
    metricsText: notCalled,
  };
  return {
    backend,
    prices: {
      tierMap: buildTierMap(['btcusdt']),
      tiers: tierConfig(),
      latestStore: null,
      historyStore: null,
      refreshNow: notCalled,
      lookupsInFlightMax: 1,
    },
    market: {
      tierMap: buildTierMap(['btcusdt']),
      tiers: tierConfig(),
      latestStore: null,
      historyStore: null,
      hub: new PriceStreamHub({ windowEventsMax: 1, streamsMax: 1, clientBufferBytesMax: 1, epoch: 'doc' }),
      keepAliveMs: 60_000,
    },
    web: { nodeId: 'n1', hotAssets: ['btcusdt'], clusterStatus: notCalled, peerHttp: new Map() },
    admin: { clusterToken: 'documentation stub, never compared', members: ['n1'], transfer: notCalled },
    members: {
      clusterToken: 'documentation stub, never compared',
      members: () => ({ leader: null, confIndex: 0, members: [] }),
      addLearner: notCalled,
      promote: notCalled,
      remove: notCalled,
      dialPeer: notCalled,
    },
  };
}
