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
      '/admin/transfer-leadership',
      '/cluster',
      '/cluster/members',
      '/cluster/members/{id}',
      '/health',
      '/hello',
      '/metrics',
      '/orders',
      '/prices/{asset}',
      '/prices/{asset}/history',
      '/refresh/{asset}',
      '/stocks',
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
      const registered = new Set(routesOf(app).routes().map((r) => r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')));
      expect(new Set(Object.keys(doc.paths))).toEqual(registered);
    } finally {
      await app.close();
    }
  });
});
