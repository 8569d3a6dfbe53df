import { parseArgs } from 'node:util';
import { NodeEnv } from '../config/env-names.js';

/** Everything a node process needs, validated once at start (flags override environment). */
export interface NodeConfig {
  readonly nodeId: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** gRPC address of every member (this node's own entry included). */
  readonly peers: ReadonlyMap<string, string>;
  /** HTTP base URL of every member, when known. */
  readonly peerHttp: ReadonlyMap<string, string>;
  /** Dial address overrides for members added by configuration changes (PEER_DIAL). */
  readonly peerDial: ReadonlyMap<string, string>;
  readonly clusterId: string;
  readonly clusterToken: string;
  readonly dataDir: string;
  readonly redisUrl: string | null;
  readonly dynamoEndpoint: string | null;
  readonly awsRegion: string;
  readonly exchangeUrls: readonly string[];
  readonly symbolsFile: string;
  readonly logLevel: string;
  readonly tickMs: number;
  /** `lease`: leader reads within a clock-based lease; `read-index`: a heartbeat round per read batch. */
  readonly readMode: ReadMode;
  /** Boot as a learner joining a running cluster (the leader adds it with `member add`). */
  readonly join: boolean;
  /** Longest a write or a linearizable read may wait for a leader/quorum before a 503. */
  readonly requestTimeoutMs: number;
  /** Price refresh interval per tier (null: the pipeline's default). */
  readonly priceIntervalsMs: { readonly hot: number | null; readonly medium: number | null; readonly cold: number | null };
  /** Idempotency key bounds (null: the state machine's default). */
  readonly idempotencyKeysMax: number | null;
  readonly idempotencyKeyTtlMs: number | null;
  /** Log entries between compactions (null: the Raft core's default). */
  readonly snapshotThresholdEntries: number | null;
  readonly compactionKeepEntries: number | null;
}

const FLAG_OF: Readonly<Record<string, string>> = {
  'node-id': NodeEnv.NODE_ID,
  'http-host': NodeEnv.HTTP_HOST,
  'http-port': NodeEnv.HTTP_PORT,
  'grpc-host': NodeEnv.GRPC_HOST,
  'grpc-port': NodeEnv.GRPC_PORT,
  peers: NodeEnv.PEERS,
  'peer-http': NodeEnv.PEER_HTTP,
  'peer-dial': NodeEnv.PEER_DIAL,
  'cluster-id': NodeEnv.CLUSTER_ID,
  'cluster-token': NodeEnv.CLUSTER_TOKEN,
  'data-dir': NodeEnv.DATA_DIR,
  'redis-url': NodeEnv.REDIS_URL,
  'dynamodb-endpoint': NodeEnv.DYNAMODB_ENDPOINT,
  'exchange-urls': NodeEnv.EXCHANGE_URLS,
  'symbols-file': NodeEnv.SYMBOLS_FILE,
  'log-level': NodeEnv.LOG_LEVEL,
  'tick-ms': NodeEnv.RAFT_TICK_MS,
  'read-mode': NodeEnv.RAFT_READ_MODE,
  join: NodeEnv.RAFT_JOIN,
  'snapshot-threshold-entries': NodeEnv.RAFT_SNAPSHOT_THRESHOLD_ENTRIES,
  'compaction-keep-entries': NodeEnv.RAFT_COMPACTION_KEEP_ENTRIES,
  'price-hot-interval-ms': NodeEnv.PRICE_HOT_INTERVAL_MS,
  'price-medium-interval-ms': NodeEnv.PRICE_MEDIUM_INTERVAL_MS,
  'price-cold-interval-ms': NodeEnv.PRICE_COLD_INTERVAL_MS,
  'idempotency-keys-max': NodeEnv.IDEMPOTENCY_KEYS_MAX,
  'idempotency-key-ttl-ms': NodeEnv.IDEMPOTENCY_KEY_TTL_MS,
};

export const READ_MODES = ['lease', 'read-index'] as const;
export type ReadMode = (typeof READ_MODES)[number];
const isReadMode = (value: string): value is ReadMode => (READ_MODES as readonly string[]).includes(value);

export const NODE_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const REQUEST_TIMEOUT_MS_DEFAULT = 2000;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function port(name: string, raw: string | undefined, fallback: number | null): number {
  if (raw === undefined || raw === '') {
    if (fallback === null) throw new ConfigError(`${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port 0..65535, got "${raw}"`);
  return n;
}

/** `n1=host:port,n2=host:port` -> map; values checked by `check`. */
export function parseMemberList(name: string, raw: string, check: (value: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    const id = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (eq <= 0 || !NODE_ID_PATTERN.test(id) || !check(value)) {
      throw new ConfigError(`${name} entry "${part}" must look like n1=${name === 'PEER_HTTP' ? 'http://host:port' : 'host:port'}`);
    }
    if (out.has(id)) throw new ConfigError(`${name} names ${id} twice`);
    out.set(id, value);
  }
  return out;
}

const HOST_PORT = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

type FlagReader = (flag: string) => string | undefined;

/** A flag's value, else its environment variable's. */
function flagReader(argv: readonly string[], env: NodeJS.ProcessEnv): FlagReader {
  const options = Object.fromEntries(Object.keys(FLAG_OF).map((flag) => [flag, { type: 'string' as const }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return (flag) => {
    const v = parsed.values[flag];
    if (typeof v === 'string') return v;
    const envName = FLAG_OF[flag];
    return envName === undefined ? undefined : env[envName];
  };
}

function membersOf(get: FlagReader): Pick<NodeConfig, 'nodeId' | 'peers' | 'peerHttp' | 'peerDial' | 'clusterId' | 'clusterToken' | 'join'> {
  const nodeId = get('node-id') ?? '';
  if (!NODE_ID_PATTERN.test(nodeId)) throw new ConfigError(`NODE_ID must match ${NODE_ID_PATTERN}, got "${nodeId}"`);
  const peers = parseMemberList('PEERS', get('peers') ?? '', (v) => HOST_PORT.test(v));
  if (!peers.has(nodeId)) throw new ConfigError(`PEERS must list every member including this node ${nodeId}`);
  const joinRaw = get('join') ?? 'false';
  if (!['true', 'false', '1', '0'].includes(joinRaw)) throw new ConfigError(`RAFT_JOIN must be true or false, got "${joinRaw}"`);
  const join = joinRaw === 'true' || joinRaw === '1';
  if (join && peers.size < 2) throw new ConfigError('RAFT_JOIN needs PEERS to name the running cluster\'s voters as well as this node');
  if (!join && peers.size !== 1 && peers.size < 3) throw new ConfigError(`PEERS must name 1 or at least 3 members, got ${peers.size}`);
  const peerHttp = parseMemberList('PEER_HTTP', get('peer-http') ?? '', isUrl);
  for (const id of peerHttp.keys()) {
    if (!peers.has(id)) throw new ConfigError(`PEER_HTTP names ${id}, which is not in PEERS`);
  }
  const peerDial = parseMemberList('PEER_DIAL', get('peer-dial') ?? '', (v) => HOST_PORT.test(v));
  if (peerDial.has(nodeId)) throw new ConfigError(`PEER_DIAL names this node ${nodeId}`);
  const clusterToken = get('cluster-token') ?? '';
  if (clusterToken.length < 8) throw new ConfigError('CLUSTER_TOKEN must be at least 8 characters');
  const clusterId = get('cluster-id') ?? 'bazaar';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(clusterId)) throw new ConfigError(`CLUSTER_ID must be 1..64 of [A-Za-z0-9._-], got "${clusterId}"`);
  return { nodeId, peers, peerHttp, peerDial, clusterId, clusterToken, join };
}

function servicesOf(get: FlagReader): Pick<NodeConfig, 'redisUrl' | 'dynamoEndpoint' | 'exchangeUrls'> {
  const redisUrl = nonEmpty(get('redis-url'));
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`REDIS_URL must start with redis://, got "${redisUrl}"`);
  const dynamoEndpoint = nonEmpty(get('dynamodb-endpoint'));
  if (dynamoEndpoint !== null && !isUrl(dynamoEndpoint)) throw new ConfigError(`DYNAMODB_ENDPOINT must be an http(s) URL, got "${dynamoEndpoint}"`);
  const exchangeUrls = (get('exchange-urls') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
  if (exchangeUrls.length === 0) throw new ConfigError('EXCHANGE_URLS must name at least one exchange base URL (the price pipeline needs one)');
  for (const u of exchangeUrls) if (!isUrl(u)) throw new ConfigError(`EXCHANGE_URLS entry "${u}" is not an http(s) URL`);
  return { redisUrl, dynamoEndpoint, exchangeUrls };
}

function runtimeOf(get: FlagReader): Pick<NodeConfig, 'logLevel' | 'tickMs' | 'readMode'> {
  const logLevel = get('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const tickRaw = get('tick-ms') ?? '50';
  const tickMs = Number(tickRaw);
  if (!Number.isInteger(tickMs) || tickMs < 1 || tickMs > 1000) throw new ConfigError(`RAFT_TICK_MS must be an integer 1..1000, got "${tickRaw}"`);
  const readMode = get('read-mode') ?? 'lease';
  if (!isReadMode(readMode)) throw new ConfigError(`RAFT_READ_MODE must be one of ${READ_MODES.join(', ')}, got "${readMode}"`);
  return { logLevel, tickMs, readMode };
}

export function loadNodeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): NodeConfig {
  const get = flagReader(argv, env);
  const members = membersOf(get);
  const services = servicesOf(get);
  const runtime = runtimeOf(get);
  const dataDir = get('data-dir') ?? '';
  if (dataDir === '') throw new ConfigError('DATA_DIR is required');
  return {
    ...members,
    httpHost: get('http-host') ?? '127.0.0.1',
    httpPort: port('HTTP_PORT', get('http-port'), null),
    grpcHost: get('grpc-host') ?? '127.0.0.1',
    grpcPort: port('GRPC_PORT', get('grpc-port'), null),
    dataDir,
    ...services,
    awsRegion: env[NodeEnv.AWS_REGION] ?? 'us-east-1',
    symbolsFile: get('symbols-file') ?? 'symbols.csv',
    ...runtime,
    requestTimeoutMs: REQUEST_TIMEOUT_MS_DEFAULT,
    priceIntervalsMs: {
      hot: optionalInt('PRICE_HOT_INTERVAL_MS', get('price-hot-interval-ms'), 50, 86_400_000),
      medium: optionalInt('PRICE_MEDIUM_INTERVAL_MS', get('price-medium-interval-ms'), 50, 86_400_000),
      cold: optionalInt('PRICE_COLD_INTERVAL_MS', get('price-cold-interval-ms'), 50, 86_400_000),
    },
    idempotencyKeysMax: optionalInt('IDEMPOTENCY_KEYS_MAX', get('idempotency-keys-max'), 1, 10_000_000),
    idempotencyKeyTtlMs: optionalInt('IDEMPOTENCY_KEY_TTL_MS', get('idempotency-key-ttl-ms'), 1000, 365 * 86_400_000),
    snapshotThresholdEntries: optionalInt('RAFT_SNAPSHOT_THRESHOLD_ENTRIES', get('snapshot-threshold-entries'), 1, 100_000_000),
    compactionKeepEntries: optionalInt('RAFT_COMPACTION_KEEP_ENTRIES', get('compaction-keep-entries'), 0, 100_000_000),
  };
}

function optionalInt(name: string, raw: string | undefined, min: number, max: number): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer ${min}..${max}, got "${raw}"`);
  return n;
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v.trim() === '' ? null : v.trim();
}
