import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { createRng } from '../../common/rng.js';
import { startToxiproxyServer, type ToxiproxyServerHandle } from './server.js';
import { portOf, startEchoServer, TestClient, type TestTcpServer } from './tcp-test-support.js';

const seed = 99;
const linkBufferBytesMax = 64 * 1024;

function randomPayload(sizeBytes: number): Buffer {
  const rng = createRng(seed);
  const payload = Buffer.alloc(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) payload[i] = rng.int(0, 256);
  return payload;
}

const digest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('flow control through a proxy with a small link buffer', () => {
  let server: ToxiproxyServerHandle;
  let echo: TestTcpServer;
  let toxiproxy: Toxiproxy;

  beforeAll(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed, limits: { linkBufferBytesMax } });
    echo = await startEchoServer();
    toxiproxy = new Toxiproxy(server.url);
  });

  afterAll(async () => {
    await server.close();
    await echo.close();
  });

  it('echoes 4 MiB intact both ways while toxics are added and removed mid-transfer', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'flow', listen: '127.0.0.1:0', upstream: echo.address });
    const payload = randomPayload(4 * 1024 * 1024);
    const client = await TestClient.connect(portOf(proxy.listen));
    client.socket.write(payload);
    const latency = await proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 5, jitter: 3 } } as never);
    const bandwidth = await proxy.addToxic({ type: 'bandwidth', attributes: { rate: 100_000 } } as never);
    await latency.remove();
    const received = await client.waitForBytes(payload.length, 20_000);
    await bandwidth.remove();
    expect(received.length).toBe(payload.length);
    expect(digest(received)).toBe(digest(payload));
    client.destroy();
    await proxy.remove();
  });
});
