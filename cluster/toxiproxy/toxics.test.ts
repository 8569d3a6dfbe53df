import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServerHandle } from './server.js';
import {
  portOf,
  sleep,
  startEchoServer,
  startSendAndCloseServer,
  startTcpServer,
  TestClient,
  type TestTcpServer,
} from './tcp-test-support.js';

const seed = 7_000_001;
/** Timers may fire up to a millisecond early against Date.now(). */
const timerSlackMs = 3;

/** Adds a toxic through the client (its body type wants every field; the server defaults them). */
function addToxic(proxy: Proxy, body: { type: string; stream?: string; toxicity?: number; name?: string; attributes: object }) {
  return proxy.addToxic(body as never);
}

describe('toxics, measured through real TCP on loopback', () => {
  let server: ToxiproxyServerHandle;
  let toxiproxy: Toxiproxy;
  let echo: TestTcpServer;
  let proxyCount = 0;

  beforeAll(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed });
    toxiproxy = new Toxiproxy(server.url);
    echo = await startEchoServer();
  });

  afterAll(async () => {
    await server.close();
    await echo.close();
  });

  async function proxyTo(upstream: string): Promise<Proxy> {
    proxyCount++;
    return toxiproxy.createProxy({ name: `p${proxyCount}`, listen: '127.0.0.1:0', upstream });
  }

  async function roundTripMs(port: number, payload: string): Promise<number> {
    const client = await TestClient.connect(port);
    const startMs = Date.now();
    client.socket.write(payload);
    await client.waitForBytes(payload.length, 5000);
    const elapsedMs = Date.now() - startMs;
    client.destroy();
    return elapsedMs;
  }

  it('latency delays each direction by at least `latency` ms', async () => {
    const proxy = await proxyTo(echo.address);
    const port = portOf(proxy.listen);
    await addToxic(proxy, { type: 'latency', attributes: { latency: 120, jitter: 0 } });
    expect(await roundTripMs(port, 'ping')).toBeGreaterThanOrEqual(120 - timerSlackMs);
    await addToxic(proxy, { type: 'latency', stream: 'upstream', attributes: { latency: 80, jitter: 0 } });
    expect(await roundTripMs(port, 'ping')).toBeGreaterThanOrEqual(200 - timerSlackMs);
    await proxy.remove();
  });

  it('latency with jitter stays within latency ± jitter', async () => {
    const proxy = await proxyTo(echo.address);
    await addToxic(proxy, { type: 'latency', attributes: { latency: 100, jitter: 40 } });
    const elapsed = await roundTripMs(portOf(proxy.listen), 'j');
    expect(elapsed).toBeGreaterThanOrEqual(60 - timerSlackMs);
    await proxy.remove();
  });

  it('timeout 0 on one stream cuts that direction only; removing it closes the connection', async () => {
    const receivedUpstream: Buffer[] = [];
    const talker = await startTcpServer((socket) => {
      socket.on('data', (chunk: Buffer) => receivedUpstream.push(chunk));
      socket.write('greeting');
    });
    const proxy = await proxyTo(talker.address);
    const cut = await addToxic(proxy, { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });

    const client = await TestClient.connect(portOf(proxy.listen));
    expect((await client.waitForBytes(8, 2000)).toString()).toBe('greeting');
    client.socket.write('to-server');
    await sleep(200);
    expect(Buffer.concat(receivedUpstream).length).toBe(0);

    await cut.remove();
    expect((await client.outcome).how).toBe('end');
    await proxy.remove();
    await talker.close();
  });

  it('timeout 0 added downstream on a live connection blocks replies but not requests', async () => {
    const receivedUpstream: Buffer[] = [];
    const sink = await startTcpServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        receivedUpstream.push(chunk);
        socket.write(chunk);
      });
    });
    const proxy = await proxyTo(sink.address);
    const client = await TestClient.connect(portOf(proxy.listen));
    client.socket.write('a');
    await client.waitForBytes(1, 2000);

    await addToxic(proxy, { type: 'timeout', attributes: { timeout: 0 } });
    client.socket.write('b');
    await sleep(200);
    expect(Buffer.concat(receivedUpstream).toString()).toBe('ab');
    expect(client.received().toString()).toBe('a');
    client.destroy();
    await proxy.remove();
    await sink.close();
  });

  it('timeout > 0 closes the connection after `timeout` ms', async () => {
    const proxy = await proxyTo(echo.address);
    await addToxic(proxy, { type: 'timeout', attributes: { timeout: 150 } });
    const client = await TestClient.connect(portOf(proxy.listen));
    const startMs = Date.now();
    client.socket.write('lost');
    const outcome = await client.outcome;
    expect(outcome.received.length).toBe(0);
    expect(outcome.atMs - startMs).toBeGreaterThanOrEqual(150 - timerSlackMs);
    await proxy.remove();
  });

  it('reset_peer resets the connection', async () => {
    const proxy = await proxyTo(echo.address);
    await addToxic(proxy, { type: 'reset_peer', attributes: { timeout: 0 } });
    const client = await TestClient.connect(portOf(proxy.listen));
    client.socket.write('boom');
    const outcome = await client.outcome;
    expect(outcome.how).toBe('ECONNRESET');
    expect(outcome.received.length).toBe(0);
    await proxy.remove();
  });

  it('limit_data passes exactly `bytes` bytes, then closes', async () => {
    const payload = Buffer.alloc(1000, 7);
    const sender = await startSendAndCloseServer(payload);
    const proxy = await proxyTo(sender.address);
    await addToxic(proxy, { type: 'limit_data', attributes: { bytes: 10 } });
    const client = await TestClient.connect(portOf(proxy.listen));
    const outcome = await client.outcome;
    expect(outcome.how).toBe('end');
    expect(outcome.received).toEqual(payload.subarray(0, 10));
    await proxy.remove();
    await sender.close();
  });

  it('bandwidth slows a transfer to `rate` KB/s', async () => {
    const payload = Buffer.alloc(20_000, 1);
    const sender = await startSendAndCloseServer(payload);
    const proxy = await proxyTo(sender.address);
    await addToxic(proxy, { type: 'bandwidth', attributes: { rate: 50 } });
    const client = await TestClient.connect(portOf(proxy.listen));
    const startMs = Date.now();
    const outcome = await client.outcome;
    expect(outcome.received.length).toBe(payload.length);
    // 20,000 bytes at 50 KB/s (50 bytes per ms) take 400 ms.
    expect(outcome.atMs - startMs).toBeGreaterThanOrEqual(400 - 50);
    await proxy.remove();
    await sender.close();
  });

  it('slow_close delays the FIN by `delay` ms but not the data', async () => {
    const sender = await startSendAndCloseServer(Buffer.from('bye'));
    const proxy = await proxyTo(sender.address);
    await addToxic(proxy, { type: 'slow_close', attributes: { delay: 250 } });
    const client = await TestClient.connect(portOf(proxy.listen));
    const startMs = Date.now();
    await client.waitForBytes(3, 2000);
    const dataAtMs = Date.now();
    const outcome = await client.outcome;
    expect(outcome.how).toBe('end');
    expect(outcome.atMs - startMs).toBeGreaterThanOrEqual(250 - timerSlackMs);
    expect(dataAtMs).toBeLessThan(outcome.atMs);
    await proxy.remove();
    await sender.close();
  });

  it('toxicity 0 never applies the toxic, toxicity 1 always does', async () => {
    const proxy = await proxyTo(echo.address);
    const port = portOf(proxy.listen);
    const cut = await addToxic(proxy, { type: 'timeout', toxicity: 0, attributes: { timeout: 0 } });
    for (let i = 0; i < 5; i++) expect(await roundTripMs(port, 'ok')).toBeGreaterThanOrEqual(0);

    await cut.update({ ...cut.toJson(), toxicity: 1 });
    const client = await TestClient.connect(port);
    client.socket.write('never');
    await sleep(150);
    expect(client.received().length).toBe(0);
    client.destroy();
    await proxy.remove();
  });

  it('toxicity 0.5 applies to some connections and not others (seeded)', async () => {
    const proxy = await proxyTo(echo.address);
    const port = portOf(proxy.listen);
    await addToxic(proxy, { type: 'timeout', toxicity: 0.5, attributes: { timeout: 0 } });
    const clients = await Promise.all(Array.from({ length: 16 }, () => TestClient.connect(port)));
    for (const client of clients) client.socket.write('?');
    await sleep(500);
    const answered = clients.filter((client) => client.received().length > 0).length;
    console.log(`toxicity 0.5 (seed ${seed}): ${answered}/16 connections unaffected`);
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(16);
    for (const client of clients) client.destroy();
    await proxy.remove();
  });
});
