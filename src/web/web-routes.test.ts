import { afterEach, describe, expect, it } from 'vitest';
import { reserveFreePorts } from '../../common/free-port.js';
import { startTestApp, type TestApp } from '../http/app-test-kit.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

async function app(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const t = await startTestApp(options);
  apps.push(t);
  return t;
}

describe('web view files', () => {
  it('serves the page, its modules and the chart library from node_modules', async () => {
    const t = await app();
    const page = await t.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/web/app.js">');
    for (const file of ['app.js', 'prices.js', 'chart.js', 'trade.js', 'cluster.js', 'http.js', 'style.css']) {
      const res = await t.app.inject({ url: `/web/${file}` });
      expect(res.statusCode, file).toBe(200);
    }
    const chart = await t.app.inject({ url: '/vendor/lightweight-charts.mjs' });
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toMatch(/^text\/javascript/);
    expect(chart.body).toContain('createChart');
    expect((await t.app.inject({ url: '/web/config' })).json()).toEqual({ node_id: 'n1', hot_assets: ['btcusdt', 'ethusdt', 'solusdt', 'aapl'] });
  });

  it('answers an unknown file 404 in the error contract, never from the file system', async () => {
    const t = await app();
    for (const url of ['/web/nope.js', '/web/..%2Fweb-routes.ts', '/web/%2e%2e%2fpackage.json']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 404 } });
    }
  });

  it('browses the OpenAPI document of every route at /docs', async () => {
    const t = await app();
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/orders', '/prices/stream', '/prices/{asset}/candles', '/cluster/nodes', '/']));
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs'))).toBe(false);
  });
});

describe('GET /cluster/nodes', () => {
  it("shows every member's status, reachable or down, and the quorum", async () => {
    const [peerPort, deadPort] = await reserveFreePorts(2);
    const peer = await app();
    await peer.app.listen({ host: '127.0.0.1', port: peerPort ?? 0 });
    const self = await app({
      backend: (local) => ({
        ...local,
        trade: (r, k) => local.trade(r, k),
        readStock: (n, c) => local.readStock(n, c),
        readOrder: (n) => local.readOrder(n),
        listOrders: (q) => local.listOrders(q),
        listStocks: (q) => local.listStocks(q),
        metricsText: () => local.metricsText(),
        clusterStatus: async () => ({ ...(await local.clusterStatus()), nodeId: 'n0', role: 'follower', leader: 'n1', peers: [{ id: 'n1', matchIndex: null }, { id: 'n2', matchIndex: null }] }),
      }),
      web: { peerHttp: new Map([['n1', `http://127.0.0.1:${peerPort}`], ['n2', `http://127.0.0.1:${deadPort}`]]) },
    });
    const view = (await self.app.inject({ url: '/cluster/nodes' })).json() as {
      self: string;
      leader: string;
      reachable: number;
      quorum: number;
      nodes: { id: string; link: string; status: { role: string } | null }[];
    };
    expect(view).toMatchObject({ self: 'n0', leader: 'n1', reachable: 2, quorum: 2 });
    expect(view.nodes.map((n) => [n.id, n.link, n.status?.role ?? null])).toEqual([
      ['n0', 'self', 'follower'],
      ['n1', 'up', 'leader'],
      ['n2', 'down', null],
    ]);
  });
});
