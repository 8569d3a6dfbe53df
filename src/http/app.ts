import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BazaarErrorCode } from '../errors.js';
import type { BazaarBackend } from './backend.js';
import { registerBazaarRoutes } from './bazaar-routes.js';
import { describeAny, sendDescribed } from './http-errors.js';
import { createHttpMetrics } from './metrics.js';
import { RouteRegistry } from './route-registry.js';

/**
 * The HTTP app. `bazaarApp` is a Fastify plugin (not encapsulated, like fastify-plugin) holding
 * the bazaar routes, error/404/405 handling, request ids and metrics; `buildApp(deps)` is the
 * thin builder that creates the Fastify instance, installs the route registry (so every route,
 * including plugins registered later such as the price routes, is known to 405 handling and
 * to the OpenAPI generator) and registers `deps.plugins` after the bazaar routes.
 */

export const BODY_LIMIT_BYTES_DEFAULT = 16 * 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface AppDeps {
  readonly backend: BazaarBackend;
  readonly nodeId: string;
  readonly logger: Logger;
  /** The node's prom-client registry: the app registers its HTTP metrics in it. */
  readonly registry: Registry;
  /** Current Raft term, bound into every request's child logger. */
  readonly currentTerm?: () => number;
  /** More route plugins (e.g. src/prices/prices-routes.ts), registered after the bazaar routes. */
  readonly plugins?: readonly FastifyPluginAsync[];
  readonly bodyLimitBytes?: number;
}

export interface BazaarAppOptions {
  readonly backend: BazaarBackend;
  readonly registry: Registry;
  readonly routes: RouteRegistry;
}

const ROUTES_DECORATION = 'bazaarRoutes';

export const bazaarApp: FastifyPluginAsync<BazaarAppOptions> = async (app, options) => {
  const metrics = createHttpMetrics(options.registry);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, statusCode: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const described = describeAny(error);
    if (described.status >= 500 && described.status !== 503) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: described.code, status: described.status }, described.message);
    return sendDescribed(request, reply, described);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = options.routes.methodsFor(path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendDescribed(request, reply, {
        status: 405,
        code: BazaarErrorCode.MethodNotAllowed,
        message: `method ${request.method} not allowed on ${path} (allowed: ${allowed.join(', ')})`,
        retryAfterSeconds: null,
      });
    }
    return sendDescribed(request, reply, {
      status: 404,
      code: BazaarErrorCode.RouteNotFound,
      message: `no route ${request.method} ${path}`,
      retryAfterSeconds: null,
    });
  });

  // JSON only: a text/plain body is a 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');
  registerBazaarRoutes(app, { backend: options.backend, metrics });
};
(bazaarApp as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

function badUrl(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void sendDescribed(request, reply, {
    status: 400,
    code: BazaarErrorCode.InvalidRequest,
    message: `malformed request: ${error.message}`,
    retryAfterSeconds: null,
  });
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.bodyLimitBytes ?? BODY_LIMIT_BYTES_DEFAULT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) throw new Error(`bodyLimitBytes must be an integer >= 1, got ${bodyLimit}`);
  if (deps.nodeId.length === 0) throw new Error('nodeId must be non-empty');
  const currentTerm = deps.currentTerm ?? (() => 0);
  let requestCounter = 0;
  const app = Fastify({
    loggerInstance: deps.logger.child({ nodeId: deps.nodeId }),
    bodyLimit,
    exposeHeadRoutes: false,
    requestIdHeader: false,
    genReqId: (raw) => {
      const incoming = raw.headers['x-request-id'];
      if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming;
      requestCounter += 1;
      return `${deps.nodeId}-${requestCounter.toString(36)}`;
    },
    childLoggerFactory: (logger, bindings, childOptions) => logger.child({ ...bindings, term: currentTerm() }, childOptions),
    // "incoming request" / "request completed" per request only at debug: two synchronous-format
    // log lines per request were a top hot-path cost at info (errors are still logged).
    disableRequestLogging: () => !deps.logger.isLevelEnabled('debug'),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, verbose: true } },
    frameworkErrors: badUrl,
    return503OnClosing: false, // its 503 body is not the contract's; a stopping node answers RAFT_ERR_STOPPED -> 503
  }) as unknown as FastifyInstance;
  const routes = new RouteRegistry();
  app.decorate(ROUTES_DECORATION, routes);
  app.addHook('onRoute', (route) => routes.add(route));
  await app.register(bazaarApp, { backend: deps.backend, registry: deps.registry, routes });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.ready();
  return app;
}

/** The route registry of an app made by buildApp (for the OpenAPI generator). */
export function routesOf(app: FastifyInstance): RouteRegistry {
  const routes = (app as unknown as Record<string, unknown>)[ROUTES_DECORATION];
  if (!(routes instanceof RouteRegistry)) throw new Error('app was not built by buildApp');
  return routes;
}
