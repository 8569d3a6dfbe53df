import type { FastifyPluginAsync } from 'fastify';

/**
 * Extra route plugins the node registers on the app (besides the bazaar routes), built here
 * over documentation stubs so `npm run openapi` documents them. When src/prices/prices-routes.ts
 * lands, add it here (with stub dependencies) in the same order the node wiring registers it.
 */
export function documentedPlugins(): Promise<FastifyPluginAsync[]> {
  return Promise.resolve([]);
}
