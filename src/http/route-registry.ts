import type { FastifySchema, RouteOptions } from 'fastify';

/**
 * Every route registered on the app, collected by an onRoute hook on the root instance (so
 * routes of plugins registered later, e.g. the price routes, are seen too). Used to answer 405
 * with Allow for a known path, and to generate openapi.yaml.
 */

export interface RegisteredRoute {
  readonly method: string;
  /** Fastify pattern, e.g. `/prices/:asset/history`. */
  readonly url: string;
  readonly schema: FastifySchema | undefined;
  readonly matcher: RegExp;
}

function patternToRegExp(url: string): RegExp {
  const body = url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${body}$`);
}

export class RouteRegistry {
  private readonly entries: RegisteredRoute[] = [];

  add(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      this.entries.push({ method: method.toUpperCase(), url: route.url, schema: route.schema, matcher: patternToRegExp(route.url) });
    }
  }

  routes(): readonly RegisteredRoute[] {
    return this.entries;
  }

  /** Methods registered for a concrete path (no query string). */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.entries) if (entry.matcher.test(path)) methods.add(entry.method);
    return [...methods].sort();
  }
}
