import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes, type AdminRoutesOptions } from '../node/admin-routes.js';
import { marketRoutes, type MarketRoutesOptions } from '../prices/market-routes.js';
import { memberRoutes, type MemberRoutesOptions } from '../node/member-routes.js';
import { pricesRoutes, type PricesRoutesOptions } from '../prices/prices-routes.js';
import { webRoutes, type WebRoutesOptions } from '../web/web-routes.js';
import type { BazaarBackend } from './backend.js';
import { registerBazaarRoutes } from './bazaar-routes.js';
import type { HttpMetrics } from './metrics.js';

/**
 * THE route registry: every route module of the HTTP API, in registration order. The node
 * (src/node/node.ts), the tests (app-test-kit.ts) and the OpenAPI generator (openapi.ts) all get
 * their routes from this one list through buildApp. To add routes: write a module file exporting
 * a plugin, add what it needs to RouteDeps, and add one line here.
 */

/** What route modules need from the node. */
export interface RouteDeps {
  readonly backend: BazaarBackend;
  readonly prices: PricesRoutesOptions;
  readonly market: MarketRoutesOptions;
  readonly admin: AdminRoutesOptions;
  readonly web: WebRoutesOptions;
  readonly members: MemberRoutesOptions;
}

/** RouteDeps plus what the app itself provides. */
export interface RouteContext extends RouteDeps {
  readonly metrics: HttpMetrics;
}

export interface RouteModule {
  readonly name: string;
  readonly plugin: (context: RouteContext) => FastifyPluginAsync;
}

export const ROUTE_MODULES: readonly RouteModule[] = [
  { name: 'bazaar', plugin: (c) => async (app) => registerBazaarRoutes(app, { backend: c.backend, metrics: c.metrics }) },
  { name: 'prices', plugin: (c) => async (app) => app.register(pricesRoutes, c.prices) },
  { name: 'market', plugin: (c) => async (app) => app.register(marketRoutes, c.market) },
  { name: 'admin', plugin: (c) => adminRoutes(c.admin) },
  { name: 'members', plugin: (c) => memberRoutes(c.members) },
  // Last: its /docs document is built from the routes registered before it.
  { name: 'web', plugin: (c) => async (app) => app.register(webRoutes, c.web) },
];
