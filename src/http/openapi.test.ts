import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateOpenApi, OPENAPI_PATH } from './openapi-main.js';
import { buildApp, routesOf } from './app.js';
import { documentationRouteDeps } from './openapi-deps.js';

describe('openapi.yaml', () => {
  it('is current (run `npm run openapi` after changing a route schema)', async () => {
    const committed = await readFile(OPENAPI_PATH, 'utf8');
    expect(committed).toBe(await generateOpenApi());
  });

  it('documents every bazaar route with parameters, bodies and error responses', async () => {
    const doc = parse(await generateOpenApi()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/',
      '/admin/transfer-leadership',
      '/cluster',
      '/cluster/members',
      '/cluster/members/{id}',
      '/cluster/nodes',
      '/cluster/peers/{id}',
      '/health',
      '/hello',
      '/metrics',
      '/orders',
      '/prices',
      '/prices/stream',
      '/prices/{asset}',
      '/prices/{asset}/candles',
      '/prices/{asset}/history',
      '/refresh/{asset}',
      '/stocks',
      '/vendor/lightweight-charts.mjs',
      '/web/config',
      '/web/{file}',
    ]);
    expect(Object.keys(doc.paths['/orders'] ?? {}).sort()).toEqual(['get', 'post']);
    const post = doc.paths['/orders']?.['post'];
    expect(post?.requestBody).toBeDefined();
    expect(post?.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
    expect(Object.keys(post?.responses ?? {})).toEqual(expect.arrayContaining(['200', '409', '422', '503']));
  });

  it('documents every module of the route registry', async () => {
    const doc = parse(await generateOpenApi()) as { paths: Record<string, unknown> };
    const app = await buildApp({ nodeId: 'n1', logger: pino({ level: 'silent' }), registry: new Registry(), routes: documentationRouteDeps() });
    try {
      // Routes marked `hide` (swagger-ui's own pages under /docs) are served but not documented.
      const documented = routesOf(app).routes().filter((r) => (r.schema as { hide?: boolean } | undefined)?.hide !== true);
      const registered = new Set(documented.map((r) => r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')));
      expect(routesOf(app).routes().some((r) => r.url.startsWith('/docs'))).toBe(true);
      expect(new Set(Object.keys(doc.paths))).toEqual(registered);
    } finally {
      await app.close();
    }
  });
});
