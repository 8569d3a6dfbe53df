import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServerHandle } from './server.js';

const protoText = `
syntax = "proto3";
package toxitest;
service Echo { rpc Say (Msg) returns (Msg); }
message Msg { string text = 1; }
`;

interface Msg {
  text: string;
}
type EchoClient = grpc.Client & {
  Say(request: Msg, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, reply?: Msg) => void): void;
};
type EchoClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => EchoClient;

/** Tuned like the Raft transport: the defaults (1 s .. 120 s) would make recovery slow. */
const channelOptions: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
};
const callDeadlineMs = 400;
const recoverWithinMs = 10_000;

function say(client: EchoClient, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.Say({ text }, { deadline: Date.now() + callDeadlineMs }, (error, reply) => {
      if (error !== null) reject(error);
      else resolve(reply?.text ?? '');
    });
  });
}

async function sayEventually(client: EchoClient, text: string): Promise<string> {
  const giveUpAtMs = Date.now() + recoverWithinMs;
  for (;;) {
    try {
      return await say(client, text);
    } catch (error) {
      if (Date.now() > giveUpAtMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('gRPC through a toxiproxy proxy', () => {
  let dir: string;
  let grpcServer: grpc.Server;
  let toxiServer: ToxiproxyServerHandle;
  let proxy: Proxy;
  let client: EchoClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toxi-grpc-'));
    const protoPath = join(dir, 'echo.proto');
    writeFileSync(protoPath, protoText);
    const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath)) as unknown as {
      toxitest: { Echo: EchoClientConstructor & { service: grpc.ServiceDefinition } };
    };
    const Echo = definition.toxitest.Echo;
    grpcServer = new grpc.Server();
    grpcServer.addService(Echo.service, {
      Say: (call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) => callback(null, { text: call.request.text }),
    });
    const grpcPort = await new Promise<number>((resolve, reject) => {
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
    });
    toxiServer = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 42 });
    proxy = await new Toxiproxy(toxiServer.url).createProxy({ name: 'grpc', listen: '127.0.0.1:0', upstream: `127.0.0.1:${grpcPort}` });
    client = new Echo(proxy.listen, grpc.credentials.createInsecure(), channelOptions);
  });

  afterAll(async () => {
    client?.close();
    grpcServer?.forceShutdown();
    await toxiServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('works, stops while disabled, and recovers after re-enable', async () => {
    expect(await say(client, 'hello')).toBe('hello');

    proxy = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    await expect(say(client, 'while-disabled')).rejects.toMatchObject({
      code: expect.toBeOneOf([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]),
    });

    proxy = await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    expect(await sayEventually(client, 'back')).toBe('back');
  });

  it('stops under a downstream timeout toxic on the live connection and recovers when it is removed', async () => {
    expect(await sayEventually(client, 'before')).toBe('before');
    const cut = await proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as never);
    await expect(say(client, 'during')).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });

    await cut.remove();
    expect(await sayEventually(client, 'after')).toBe('after');
  });
});
