import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateOpenApi, OPENAPI_PATH } from './openapi-main.js';
import { renderOpenApiForPlugins } from './openapi.js';

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
      '/cluster/nodes',
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

  it('picks up routes of plugins registered on the app', async () => {
    const plugin: FastifyPluginAsync = async (app) => {
      app.get('/prices/:asset', { schema: { params: { type: 'object', properties: { asset: { type: 'string' } } } } }, async () => ({}));
    };
    const doc = parse(await renderOpenApiForPlugins([plugin])) as { paths: Record<string, { get?: { parameters?: unknown[] } }> };
    expect(doc.paths['/prices/{asset}']?.get?.parameters).toEqual([{ name: 'asset', in: 'path', required: true, schema: { type: 'string' } }]);
  });
});
