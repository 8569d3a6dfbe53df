import { describe, expect, it } from 'vitest';
import { ConfigError, REQUEST_TIMEOUT_MS_DEFAULT, loadNodeConfig, parseMemberList } from './node-config.js';

const BASE: NodeJS.ProcessEnv = {
  NODE_ID: 'n2',
  HTTP_PORT: '8180',
  GRPC_PORT: '9180',
  PEERS: 'n1=127.0.0.1:9080,n2=127.0.0.1:9180,n3=127.0.0.1:9280',
  CLUSTER_TOKEN: 'secret-token',
  DATA_DIR: '/tmp/bazaar-n2',
  EXCHANGE_URLS: 'http://127.0.0.1:8081',
};

function load(env: NodeJS.ProcessEnv, argv: string[] = []): ReturnType<typeof loadNodeConfig> {
  return loadNodeConfig(argv, env);
}

function failure(env: NodeJS.ProcessEnv, argv: string[] = []): string {
  try {
    load(env, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadNodeConfig', () => {
  it('reads a complete configuration from the environment, with documented defaults', () => {
    const config = load({ ...BASE, REDIS_URL: 'redis://127.0.0.1:6379', EXCHANGE_URLS: 'http://127.0.0.1:8081, http://127.0.0.1:8082' });
    expect(config).toMatchObject({
      nodeId: 'n2',
      httpHost: '127.0.0.1',
      httpPort: 8180,
      grpcPort: 9180,
      clusterId: 'bazaar',
      clusterToken: 'secret-token',
      dataDir: '/tmp/bazaar-n2',
      redisUrl: 'redis://127.0.0.1:6379',
      dynamoEndpoint: null,
      exchangeUrls: ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'],
      symbolsFile: 'symbols.csv',
      logLevel: 'info',
      tickMs: 50,
      readMode: 'lease',
      requestTimeoutMs: REQUEST_TIMEOUT_MS_DEFAULT,
    });
    expect([...config.peers]).toEqual([
      ['n1', '127.0.0.1:9080'],
      ['n2', '127.0.0.1:9180'],
      ['n3', '127.0.0.1:9280'],
    ]);
    expect(config.peerHttp.size).toBe(0);
  });

  it('lets flags override the environment', () => {
    const config = load(BASE, ['--http-port', '18180', '--tick-ms', '20', '--log-level', 'warn', '--redis-url', 'redis://localhost:7000', '--read-mode', 'read-index']);
    expect(config).toMatchObject({ httpPort: 18180, tickMs: 20, logLevel: 'warn', redisUrl: 'redis://localhost:7000', readMode: 'read-index' });
  });

  it('treats an empty REDIS_URL or DYNAMODB_ENDPOINT as unset', () => {
    expect(load({ ...BASE, REDIS_URL: '  ', DYNAMODB_ENDPOINT: '' })).toMatchObject({ redisUrl: null, dynamoEndpoint: null });
  });

  it('accepts a single-member cluster', () => {
    expect(load({ ...BASE, NODE_ID: 'n1', PEERS: 'n1=127.0.0.1:9080' }).peers.size).toBe(1);
  });

  it.each([
    [{ NODE_ID: undefined }, 'NODE_ID must match'],
    [{ NODE_ID: 'N1' }, 'NODE_ID must match'],
    [{ HTTP_PORT: undefined }, 'HTTP_PORT is required'],
    [{ GRPC_PORT: '70000' }, 'GRPC_PORT must be a port 0..65535, got "70000"'],
    [{ HTTP_PORT: '80.5' }, 'HTTP_PORT must be a port'],
    [{ PEERS: 'n1=127.0.0.1:9080,n3=127.0.0.1:9280,n4=127.0.0.1:9380' }, 'PEERS must list every member including this node n2'],
    [{ PEERS: 'n1=127.0.0.1:9080,n2=127.0.0.1:9180' }, 'PEERS must name 1 or at least 3 members, got 2'],
    [{ PEERS: 'n1=127.0.0.1:9080,n2=127.0.0.1,n3=127.0.0.1:9280' }, 'PEERS entry "n2=127.0.0.1" must look like n1=host:port'],
    [{ PEERS: 'n1=127.0.0.1:9080,n2=127.0.0.1:9180,n2=127.0.0.1:9280' }, 'PEERS names n2 twice'],
    [{ PEER_HTTP: 'n9=http://127.0.0.1:8980' }, 'PEER_HTTP names n9, which is not in PEERS'],
    [{ PEER_HTTP: 'n1=ftp://127.0.0.1:8080' }, 'PEER_HTTP entry "n1=ftp://127.0.0.1:8080" must look like n1=http://host:port'],
    [{ CLUSTER_TOKEN: 'short' }, 'CLUSTER_TOKEN must be at least 8 characters'],
    [{ CLUSTER_TOKEN: undefined }, 'CLUSTER_TOKEN must be at least 8 characters'],
    [{ CLUSTER_ID: 'has space' }, 'CLUSTER_ID must be 1..64'],
    [{ DATA_DIR: '' }, 'DATA_DIR is required'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL must start with redis://'],
    [{ DYNAMODB_ENDPOINT: 'localhost:8000' }, 'DYNAMODB_ENDPOINT must be an http(s) URL'],
    [{ EXCHANGE_URLS: 'http://127.0.0.1:8081,nope' }, 'EXCHANGE_URLS entry "nope" is not an http(s) URL'],
    [{ EXCHANGE_URLS: undefined }, 'EXCHANGE_URLS must name at least one exchange'],
    [{ EXCHANGE_URLS: ' , ' }, 'EXCHANGE_URLS must name at least one exchange'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of'],
    [{ RAFT_TICK_MS: '0' }, 'RAFT_TICK_MS must be an integer 1..1000, got "0"'],
    [{ RAFT_TICK_MS: '2.5' }, 'RAFT_TICK_MS must be an integer 1..1000'],
    [{ RAFT_READ_MODE: 'fast' }, 'RAFT_READ_MODE must be one of lease, read-index, got "fast"'],
    [{ PRICE_HOT_INTERVAL_MS: '10' }, 'PRICE_HOT_INTERVAL_MS must be an integer 50..86400000, got "10"'],
    [{ PRICE_COLD_INTERVAL_MS: 'soon' }, 'PRICE_COLD_INTERVAL_MS must be an integer'],
    [{ IDEMPOTENCY_KEYS_MAX: '0' }, 'IDEMPOTENCY_KEYS_MAX must be an integer 1..10000000, got "0"'],
    [{ IDEMPOTENCY_KEY_TTL_MS: '-5' }, 'IDEMPOTENCY_KEY_TTL_MS must be an integer'],
  ])('rejects %o with a precise message', (patch, message) => {
    const env: NodeJS.ProcessEnv = { ...BASE };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    expect(failure(env)).toContain(message);
  });

  it('rejects unknown flags and positionals', () => {
    expect(failure(BASE, ['--no-such-flag', 'x'])).toMatch(/no-such-flag/);
    expect(failure(BASE, ['stray'])).toMatch(/stray/);
  });
});

describe('parseMemberList', () => {
  it('ignores empty items and spaces', () => {
    expect([...parseMemberList('PEERS', ' n1=a:1 ,, n2=b:2 ', () => true)]).toEqual([
      ['n1', 'a:1'],
      ['n2', 'b:2'],
    ]);
  });

  it('rejects an entry without an id', () => {
    expect(() => parseMemberList('PEERS', '=a:1', () => true)).toThrow(ConfigError);
  });
});

describe('optional tuning', () => {
  it('reads tier intervals and idempotency bounds, null when unset', () => {
    const unset = loadNodeConfig([], { ...BASE });
    expect(unset.priceIntervalsMs).toEqual({ hot: null, medium: null, cold: null });
    expect(unset.idempotencyKeysMax).toBeNull();
    const set = loadNodeConfig(['--price-medium-interval-ms', '5000'], { ...BASE, PRICE_HOT_INTERVAL_MS: '500', IDEMPOTENCY_KEYS_MAX: '10', IDEMPOTENCY_KEY_TTL_MS: '60000' });
    expect(set.priceIntervalsMs).toEqual({ hot: 500, medium: 5000, cold: null });
    expect([set.idempotencyKeysMax, set.idempotencyKeyTtlMs]).toEqual([10, 60000]);
  });
});
