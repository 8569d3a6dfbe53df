import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServerHandle } from './server.js';
import { portOf, startEchoServer, TestClient, tryConnect, type TestTcpServer } from './tcp-test-support.js';

const seed = 20_240_601;

describe('toxiproxy API through toxiproxy-node-client', () => {
  let server: ToxiproxyServerHandle;
  let echo: TestTcpServer;
  let toxiproxy: Toxiproxy;

  beforeAll(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed });
    echo = await startEchoServer();
    toxiproxy = new Toxiproxy(server.url);
  });

  afterAll(async () => {
    await server.close();
    await echo.close();
  });

  it('reports a version', async () => {
    const version = await toxiproxy.getVersion();
    expect(JSON.parse(version)).toEqual({ version: expect.stringMatching(/^2\./) });
  });

  it('creates a proxy on port 0, reports the bound port, and proxies bytes', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'crud', listen: '127.0.0.1:0', upstream: echo.address });
    expect(proxy.name).toBe('crud');
    expect(proxy.enabled).toBe(true);
    expect(proxy.upstream).toBe(echo.address);
    expect(portOf(proxy.listen)).toBeGreaterThan(0);

    const client = await TestClient.connect(portOf(proxy.listen));
    client.socket.write('hello');
    expect((await client.waitForBytes(5, 2000)).toString()).toBe('hello');
    client.destroy();

    const fetched = await toxiproxy.get('crud');
    expect(fetched.toJson()).toEqual(proxy.toJson());
    const all = await toxiproxy.getAll();
    expect(Object.keys(all)).toContain('crud');
    const raw = await toxiproxy.getApi().get(`${server.url}/proxies/crud`);
    expect(raw.data).toEqual({ name: 'crud', listen: proxy.listen, upstream: echo.address, enabled: true, toxics: [] });

    await proxy.remove();
    await expect(toxiproxy.get('crud')).rejects.toThrow(/status code 404/);
    expect(await tryConnect(portOf(proxy.listen))).toBe('ECONNREFUSED');
  });

  it('answers 409 for a duplicate proxy or toxic and 404 for unknown names', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream: echo.address });
    const again = toxiproxy.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream: echo.address });
    await expect(again).rejects.toBeInstanceOf(ToxiproxyError);
    await expect(again).rejects.toThrow(/status code 409/);

    const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 5, jitter: 0 } } as never);
    expect(toxic.name).toBe('latency_downstream');
    await expect(proxy.addToxic({ type: 'latency', attributes: { latency: 1, jitter: 0 } } as never)).rejects.toThrow(/status code 409/);
    await expect(proxy.getToxic('nope')).rejects.toThrow(/status code 404/);
    await expect(proxy.addToxic({ type: 'no_such_toxic', attributes: {} } as never)).rejects.toThrow(/status code 400/);
    await expect(proxy.addToxic({ type: 'latency', stream: 'sideways', attributes: {} } as never)).rejects.toThrow(/status code 400/);
    await expect(toxiproxy.getApi().delete(`${server.url}/proxies/missing`)).rejects.toThrow(/status code 404/);
    await proxy.remove();
  });

  it('returns error bodies shaped like real Toxiproxy', async () => {
    const response = await fetch(`${server.url}/proxies/missing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'proxy not found', status: 404 });
  });

  it('answers 400, never 500, for a listen address that cannot be bound', async () => {
    for (const listen of ['999.1.1.1:0', 'no-such-host.invalid:0', '192.0.2.1:0']) {
      const response = await fetch(`${server.url}/proxies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'badlisten', listen, upstream: echo.address }),
      });
      expect(response.status, listen).toBe(400);
      expect(await response.json()).toEqual({ error: expect.stringMatching(/^bad request body|listen tcp/), status: 400 });
    }
    expect((await fetch(`${server.url}/proxies/badlisten`)).status).toBe(404);
  });

  it('adds, reads, updates and removes toxics with real Toxiproxy defaults', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'toxics', listen: '127.0.0.1:0', upstream: echo.address });
    const added = await proxy.addToxic({
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { latency: 100, jitter: 10 },
    });
    expect(added.toJson()).toEqual({ name: 'slow', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 100, jitter: 10 } });
    const defaulted = await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 3 } } as never);
    expect(defaulted.toJson()).toEqual({ name: 'limit_data_downstream', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 3 } });

    const updated = await added.update({ ...added.toJson(), attributes: { latency: 200, jitter: 0 }, toxicity: 1 });
    expect(updated.attributes).toEqual({ latency: 200, jitter: 0 });
    expect(updated.toxicity).toBe(1);
    expect((await proxy.getToxic('slow')).attributes).toEqual({ latency: 200, jitter: 0 });

    const raw = await toxiproxy.getApi().get(`${server.url}/proxies/toxics`);
    expect((raw.data as { toxics: { name: string }[] }).toxics.map((t) => t.name)).toEqual(['slow', 'limit_data_downstream']);

    await updated.remove();
    await expect(proxy.getToxic('slow')).rejects.toThrow(/status code 404/);
    await proxy.remove();
  });

  it('disables (connections refused, open ones closed) and re-enables on the same port', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'toggle', listen: '127.0.0.1:0', upstream: echo.address });
    const port = portOf(proxy.listen);
    const open = await TestClient.connect(port);
    open.socket.write('x');
    await open.waitForBytes(1, 2000);

    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(disabled.enabled).toBe(false);
    expect((await open.outcome).received.toString()).toBe('x');
    expect(await tryConnect(port)).toBe('ECONNREFUSED');

    const enabled = await disabled.update({ enabled: true, listen: disabled.listen, upstream: disabled.upstream });
    expect(enabled.enabled).toBe(true);
    expect(enabled.listen).toBe(proxy.listen);
    expect(await tryConnect(port)).toBe('connected');
    await enabled.remove();
  });

  it('populates (create, keep unchanged, replace) and resets', async () => {
    const first = await toxiproxy.populate([
      { name: 'pop_a', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'pop_b', listen: '127.0.0.1:0', upstream: echo.address, enabled: false },
    ]);
    expect(Object.keys(first).sort()).toEqual(['pop_a', 'pop_b']);
    expect(first['pop_b']?.enabled).toBe(false);
    const a = first['pop_a'];
    if (a === undefined) throw new Error('pop_a missing');
    await a.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as never);

    const again = await toxiproxy.populate([{ name: 'pop_a', listen: a.listen, upstream: echo.address }]);
    expect(again['pop_a']?.listen).toBe(a.listen);
    expect((await toxiproxy.getApi().get(`${server.url}/proxies/pop_a`)).data).toMatchObject({ toxics: [{ type: 'timeout' }] });

    await toxiproxy.reset();
    const afterReset = await toxiproxy.getAll();
    expect(afterReset['pop_b']?.enabled).toBe(true);
    expect((await toxiproxy.getApi().get(`${server.url}/proxies/pop_a`)).data).toMatchObject({ toxics: [] });

    await expect(toxiproxy.populate([{ name: '', listen: '127.0.0.1:0', upstream: echo.address }])).rejects.toThrow(/status code 400/);
    await afterReset['pop_a']?.remove();
    await afterReset['pop_b']?.remove();
  });
});
