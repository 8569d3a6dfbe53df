import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BazaarErrorCode, describeCode } from '../errors.js';
import { clientErrorHandler, expectationFailed } from './client-errors.js';
import { clipMessage, describeAny, sendDescribed } from './http-errors.js';
import { httpLimits, type HttpLimits } from './http-limits.js';
import { LazyRequestLogger } from './lazy-request-logger.js';
import { createHttpMetrics } from './metrics.js';
import { ROUTE_MODULES, type RouteDeps } from './route-modules.js';
import { RouteRegistry } from './route-registry.js';
import { rejectEncodedBodies, rejectRepeatedHeaders } from './request-headers.js';
import { requestValidatorCompiler } from './validators.js';

/**
 * The HTTP app, built one way for production, tests and the OpenAPI generator. `bazaarApp` is a
 * Fastify plugin (not encapsulated, like fastify-plugin) holding error/404/405 handling, request
 * ids, metrics and every module of the route registry (route-modules.ts); `buildApp(deps)` is the
 * thin builder that creates the Fastify instance with the node's limits and parser error hooks.
 */

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface AppDeps {
  readonly nodeId: string;
  readonly logger: Logger;
  /** The node's prom-client registry: the app registers its HTTP metrics in it. */
  readonly registry: Registry;
  /** Current Raft term, bound into every request's child logger. */
  readonly currentTerm?: () => number;
  /** What the route modules need (backend, price pipeline, admin). */
  readonly routes: RouteDeps;
  /** Overrides of HTTP_LIMITS_DEFAULT (timeouts, body size, connections). */
  readonly limits?: Partial<HttpLimits>;
}

export interface BazaarAppOptions {
  readonly deps: RouteDeps;
  readonly registry: Registry;
  readonly routes: RouteRegistry;
}

const ROUTES_DECORATION = 'bazaarRoutes';

function setNotFoundHandler(app: FastifyInstance, routes: RouteRegistry): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      const message = `method ${request.method} not allowed on ${path} (allowed: ${allowed.join(', ')})`;
      return sendDescribed(request, reply, describeCode(BazaarErrorCode.MethodNotAllowed, message));
    }
    return sendDescribed(request, reply, describeCode(BazaarErrorCode.RouteNotFound, `no route ${request.method} ${path}`));
  });
}

export const bazaarApp: FastifyPluginAsync<BazaarAppOptions> = async (app, options) => {
  const metrics = createHttpMetrics(options.registry);
  // Callback-style hooks: an async hook costs a promise and microtask hops on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    try {
      rejectRepeatedHeaders(request.raw);
      rejectEncodedBodies(request.raw);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, statusCode: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const described = describeAny(error);
    if (described.status >= 500 && described.status !== 503) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: described.code, status: described.status }, described.message);
    return sendDescribed(request, reply, described);
  });
  setNotFoundHandler(app, options.routes);
  // JSON only: a text/plain body is a 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');
  const context = { ...options.deps, metrics };
  for (const module of ROUTE_MODULES) await app.register(module.plugin(context));
};
(bazaarApp as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

function createFastify(deps: AppDeps, limits: HttpLimits): FastifyInstance {
  const currentTerm = deps.currentTerm ?? (() => 0);
  const logger = deps.logger.child({ nodeId: deps.nodeId });
  let requestCounter = 0;
  return Fastify({
    loggerInstance: logger,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.requestsPerConnectionMax,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckIntervalMs, requireHostHeader: false },
    exposeHeadRoutes: false,
    requestIdHeader: false,
    genReqId: (raw) => {
      const incoming = raw.headers['x-request-id'];
      if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming;
      requestCounter += 1;
      return `${deps.nodeId}-${requestCounter.toString(36)}`;
    },
    // The pino child is built only if the request logs (most log nothing): see lazy-request-logger.ts.
    childLoggerFactory: (parent, bindings, childOptions) => new LazyRequestLogger(parent as Logger, { ...bindings, term: currentTerm() }, childOptions).asFastifyLogger(),
    frameworkErrors: (error, request, reply) => {
      const described = describeCode(BazaarErrorCode.InvalidRequest, clipMessage(`malformed request: ${error.message}`));
      request.log.info({ code: error.code }, described.message);
      return sendDescribed(request, reply, described);
    },
    clientErrorHandler: clientErrorHandler(logger),
    // "incoming request" / "request completed" per request only at debug: two synchronous-format
    // log lines per request were a top hot-path cost at info (errors are still logged).
    logController: new LogController({ disableRequestLogging: () => !deps.logger.isLevelEnabled('debug') }),
    return503OnClosing: false, // its 503 body is not the contract's; a stopping node answers RAFT_ERR_STOPPED -> 503
  }) as unknown as FastifyInstance;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  if (deps.nodeId.length === 0) throw new Error('nodeId must be non-empty');
  const limits = httpLimits(deps.limits);
  const app = createFastify(deps, limits);
  app.server.maxConnections = limits.connectionsMax;
  app.server.on('checkExpectation', expectationFailed(app.log));
  app.setValidatorCompiler(requestValidatorCompiler());
  const routes = new RouteRegistry();
  app.decorate(ROUTES_DECORATION, routes);
  app.addHook('onRoute', (route) => routes.add(route));
  await app.register(bazaarApp, { deps: deps.routes, registry: deps.registry, routes });
  await app.ready();
  return app;
}

/** The route registry of an app made by buildApp (for the OpenAPI generator). */
export function routesOf(app: FastifyInstance): RouteRegistry {
  const routes = (app as unknown as Record<string, unknown>)[ROUTES_DECORATION];
  if (!(routes instanceof RouteRegistry)) throw new Error('app was not built by buildApp');
  return routes;
}
