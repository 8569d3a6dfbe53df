/** The shared redis-server launcher: a password is required, and never shows on the command line. */
import { readFile, stat } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactRedisUrl, redisAnswers, RedisServer, REDIS_CONFIG_FILE } from './redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server?.destroy();
});

describe('RedisServer', () => {
  it('refuses commands without the password and serves them with it', async () => {
    expect(await redisAnswers('127.0.0.1', server.port, server.password)).toBe(true);
    expect(await redisAnswers('127.0.0.1', server.port, null)).toBe(false);
    expect(await redisAnswers('127.0.0.1', server.port, 'wrong')).toBe(false);
    const anonymous = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => undefined); // the ready check's NOAUTH: expected here
    await expect(anonymous.set('price:btcusdt', '1')).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    expect(await client.set('price:btcusdt', '2')).toBe('OK');
    expect(await client.get('price:btcusdt')).toBe('2');
    client.disconnect();
  });

  it('keeps the password out of argv and in a 0600 config file; logs see it redacted', async () => {
    const pid = server.pid;
    if (pid === undefined) throw new Error('redis-server not running');
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    expect(argv.join(' ')).not.toContain(server.password);
    expect(server.configFile.endsWith(REDIS_CONFIG_FILE)).toBe(true);
    expect((await stat(server.configFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(server.configFile, 'utf8')).toContain(`requirepass ${server.password}`);
    expect(redactRedisUrl(server.url)).toBe(`redis://:***@127.0.0.1:${server.port}`);
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
