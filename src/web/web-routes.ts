/**
 * The web view on every node: GET / (the page), GET /web/<file> (its ES modules and CSS),
 * GET /vendor/lightweight-charts.mjs (the chart library from node_modules), GET /web/config
 * (what the page needs to start), GET /cluster/nodes (the cluster panel), and GET /docs (the
 * OpenAPI document of this app, browsable with swagger-ui, all served locally).
 *
 * Register LAST among the node's plugins: the /docs document is built from the route registry
 * when the app is ready, so it lists every route (the same generator as openapi.yaml).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import type { ClusterStatusView } from '../http/backend.js';
import { routesOf } from '../http/app.js';
import { buildOpenApiDocument } from '../http/openapi.js';
import { clusterView } from './cluster-view.js';
import { loadWebAssets, type WebAsset } from './web-assets.js';
import { clusterNodesSchema, webAssetSchema, webConfigSchema, webPageSchema } from './web-schemas.js';

export interface WebRoutesOptions {
  readonly nodeId: string;
  /** Assets the price table shows (the hot tier), in catalog order. */
  readonly hotAssets: readonly string[];
  readonly clusterStatus: () => Promise<ClusterStatusView>;
  /** HTTP base URL of every member (PEER_HTTP). */
  readonly peerHttp: ReadonlyMap<string, string>;
}

export const DOCS_PREFIX = '/docs';

function send(asset: WebAsset | undefined, reply: FastifyReply, path: string): FastifyReply {
  if (asset === undefined) throw new BazaarError(BazaarErrorCode.RouteNotFound, `no web file ${path}`);
  return reply.type(asset.contentType).header('cache-control', 'no-cache').send(asset.body);
}

export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const assets = await loadWebAssets();
  app.get('/', { schema: webPageSchema }, async (_request, reply) => send(assets.get('/web/index.html'), reply, '/'));
  app.get<{ Params: { file: string } }>('/web/:file', { schema: webAssetSchema }, async (request, reply) =>
    send(assets.get(`/web/${request.params.file}`), reply, request.url),
  );
  app.get('/vendor/lightweight-charts.mjs', { schema: webAssetSchema }, async (request, reply) => send(assets.get(request.url), reply, request.url));
  app.get('/web/config', { schema: webConfigSchema }, async () => ({ node_id: options.nodeId, hot_assets: options.hotAssets }));
  app.get('/cluster/nodes', { schema: clusterNodesSchema }, async () => clusterView(await options.clusterStatus(), options.peerHttp));
  await registerDocs(app);
};

async function registerDocs(app: FastifyInstance): Promise<void> {
  const document: Record<string, unknown> = {};
  // Filled when the app is ready: every route of every plugin is known by then.
  app.addHook('onReady', async () => {
    Object.assign(document, JSON.parse(JSON.stringify(buildOpenApiDocument(routesOf(app).routes()))) as Record<string, unknown>);
  });
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list', deepLinking: true } });
}
