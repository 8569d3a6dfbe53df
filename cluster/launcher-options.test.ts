import { describe, expect, it } from 'vitest';
import { parseLauncherArgs, parseRedisChoice } from './launcher-options.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseLauncherArgs(argv, env, '/repo');

describe('launcher arguments', () => {
  it('defaults: ./data, base 8080, three nodes, redis auto, built-in toxiproxy', () => {
    expect(parse([])).toEqual({
      dataDir: '/repo/data',
      fresh: false,
      basePort: 8080,
      nodes: 3,
      redis: { kind: 'auto' },
      tickMs: null,
      logLevel: 'info',
      toxiproxyUrl: null,
      noProxy: false,
      nodeEnv: {},
      symbolsFile: null,
    });
  });

  it('reads every flag', () => {
    const options = parse(['--data-dir', 'state', '--fresh', '--base-port', '20080', '--nodes', '5', '--redis', 'none', '--tick-ms', '20', '--log-level', 'warn', '--no-proxy']);
    expect(options).toMatchObject({ dataDir: '/repo/state', fresh: true, basePort: 20080, nodes: 5, redis: { kind: 'none' }, tickMs: 20, logLevel: 'warn', noProxy: true });
    expect(parse(['--data-dir', '/abs/dir'])?.dataDir).toBe('/abs/dir');
    expect(parse(['--symbols', 'stocks.csv'])?.symbolsFile).toBe('/repo/stocks.csv');
  });

  it('REDIS_URL wins in auto mode; --redis URL and none override it', () => {
    expect(parse([], { REDIS_URL: 'redis://10.0.0.1:6379' })?.redis).toEqual({ kind: 'url', url: 'redis://10.0.0.1:6379' });
    expect(parse([], { REDIS_URL: '' })?.redis).toEqual({ kind: 'auto' });
    expect(parseRedisChoice('none', 'redis://x:1')).toEqual({ kind: 'none' });
    expect(parseRedisChoice('redis://h:2', 'redis://x:1')).toEqual({ kind: 'url', url: 'redis://h:2' });
    expect(() => parseRedisChoice('http://h:2', undefined)).toThrow(/redis:\/\//);
    expect(() => parseRedisChoice('maybe', undefined)).toThrow(/auto, none or a redis:\/\/ URL/);
  });

  it('takes TOXIPROXY_URL as the Toxiproxy to use', () => {
    expect(parse([], { TOXIPROXY_URL: 'http://127.0.0.1:8474/' })?.toxiproxyUrl).toBe('http://127.0.0.1:8474');
    expect(() => parse([], { TOXIPROXY_URL: 'tcp://x' })).toThrow(/TOXIPROXY_URL/);
  });

  it('rejects bad values with precise messages', () => {
    expect(() => parse(['--nodes', '4'])).toThrow('--nodes must be 3 or 5, got 4');
    expect(() => parse(['--base-port', 'x'])).toThrow(/--base-port must be an integer/);
    expect(() => parse(['--base-port', '65000'])).toThrow(/must stay in 1024\.\.65535/);
    expect(() => parse(['--tick-ms', '0'])).toThrow(/--tick-ms must be an integer 1\.\.10000/);
    expect(() => parse(['--log-level', 'loud'])).toThrow(/--log-level must be one of/);
    expect(() => parse(['--data-dir', ' '])).toThrow(/must not be empty/);
    expect(() => parse(['--bogus'])).toThrow(/bogus/);
  });

  it('--help returns null', () => {
    expect(parse(['--help'])).toBeNull();
  });
});
