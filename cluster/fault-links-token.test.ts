/** The fault proxy API needs its token (when started with one); FaultLinks sends it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultLinks, toxiproxyClient } from './fault-links.js';
import { startToxiproxyServer, TOXIPROXY_TOKEN_HEADER, type ToxiproxyServerHandle } from './toxiproxy/server.js';

const token = `test-token-${process.pid}-${Date.now()}`;
let server: ToxiproxyServerHandle;

beforeAll(async () => {
  server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 7, token, log: () => undefined });
});

afterAll(async () => {
  await server?.close();
});

describe('fault proxy API token', () => {
  it('refuses every request but GET /version without the token, with 401 in Toxiproxy\'s error shape', async () => {
    expect((await fetch(`${server.url}/version`)).status).toBe(200);
    for (const [method, path] of [['GET', '/proxies'], ['POST', '/reset'], ['POST', '/populate'], ['DELETE', '/proxies/x']] as const) {
      for (const headers of [{}, { [TOXIPROXY_TOKEN_HEADER]: 'wrong' }]) {
        const response = await fetch(`${server.url}${path}`, { method, headers, ...(method === 'POST' ? { body: '[]' } : {}) });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(await response.json()).toEqual({ error: `missing or wrong ${TOXIPROXY_TOKEN_HEADER}`, status: 401 });
      }
    }
    expect(await (await fetch(`${server.url}/proxies`, { headers: { [TOXIPROXY_TOKEN_HEADER]: token } })).json()).toEqual({});
  });

  it('FaultLinks with the token creates, cuts and heals links; without it, it is refused', async () => {
    const nodes = [
      { id: 'n1', grpcAddress: '127.0.0.1:1' },
      { id: 'n2', grpcAddress: '127.0.0.1:2' },
    ];
    await expect(FaultLinks.create(server.url, nodes, '127.0.0.1')).rejects.toThrow(/401/);
    const proxies = await FaultLinks.create(server.url, nodes, '127.0.0.1', token);
    expect(proxies.map((p) => p.name).sort()).toEqual(['n1_to_n2', 'n2_to_n1']);
    const links = new FaultLinks(server.url, proxies, token);
    await links.cut([{ from: 'n1', to: 'n2' }]);
    expect((await links.states()).filter((state) => !state.enabled).map((state) => state.link)).toEqual([{ from: 'n1', to: 'n2' }]);
    await links.heal();
    expect((await links.states()).every((state) => state.enabled)).toBe(true);
    await expect(toxiproxyClient(server.url, null).getAll()).rejects.toThrow(/401/);
  });
});
