import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_SERVER_COMMAND, redisAnswers, redisServerArgs } from '../src/cache/redis-server.js';
import { ExchangeEnv, NodeEnv } from '../src/config/env-names.js';
import { NODE_V8_FLAGS } from '../src/node/node-v8-flags.js';
import type { ChildSpec } from './supervised-child.js';

/**
 * How the launcher starts each kind of child: command line, environment and readiness probe.
 * Children run from the repository root so `--import tsx` resolves whatever the caller's cwd.
 */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const NODE_MAIN = 'src/node/node-main.ts';
export const SYMBOLS_FILE = join(REPO_ROOT, 'symbols.csv');

/** A node compiles its TypeScript at start (tsx): allow for a loaded machine. */
export const NODE_READY_TIMEOUT_MS = 90_000;
export const SERVICE_READY_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 1_000;
export const LOOPBACK = '127.0.0.1';

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await response.arrayBuffer();
  return response.status === 200;
}

export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function tsxArgs(script: string, args: readonly string[]): string[] {
  return ['--import', 'tsx', script, ...args];
}

/** `faultToken`: what `POST /mock/faults` needs (the launcher passes the cluster token). */
export function exchangeSpec(index: number, port: number, logsDir: string, faultToken: string, symbolsFile: string): ChildSpec {
  const id = `exchange${index + 1}`;
  return {
    name: id,
    command: process.execPath,
    args: tsxArgs('src/exchange/exchange-main.ts', ['--id', id, '--host', LOOPBACK, '--port', String(port), '--symbols-file', symbolsFile]),
    env: { ...process.env, [ExchangeEnv.EXCHANGE_FAULT_TOKEN]: faultToken },
    cwd: REPO_ROOT,
    logFile: join(logsDir, `${id}.log`),
    ready: () => httpOk(`http://${LOOPBACK}:${port}/health`),
    readyTimeoutMs: SERVICE_READY_TIMEOUT_MS,
  };
}

export function dynaliteSpec(port: number, dir: string, logsDir: string): ChildSpec {
  return {
    name: 'dynamodb',
    command: process.execPath,
    args: tsxArgs('src/prices/dynalite-main.ts', ['--host', LOOPBACK, '--port', String(port), '--path', dir]),
    env: { ...process.env },
    cwd: REPO_ROOT,
    logFile: join(logsDir, 'dynamodb.log'),
    ready: () => tcpOpen(LOOPBACK, port),
    readyTimeoutMs: SERVICE_READY_TIMEOUT_MS,
  };
}

/** `configFile`: from writeRedisConfig (holds the password); arguments as every Bazaar redis-server. */
export function redisSpec(port: number, dir: string, logsDir: string, configFile: string, password: string): ChildSpec {
  return {
    name: 'redis',
    command: REDIS_SERVER_COMMAND,
    args: redisServerArgs(configFile, port, dir),
    env: { ...process.env },
    cwd: dir,
    logFile: join(logsDir, 'redis.log'),
    ready: () => redisAnswers(LOOPBACK, port, password),
    readyTimeoutMs: SERVICE_READY_TIMEOUT_MS,
  };
}

/**
 * The built-in fault proxy in its own process, off the launcher's event loop: the proxies'
 * sockets get a core of their own instead of sharing the launcher's loop (control API, probes).
 */
/** `token`: what the fault API needs in `x-toxiproxy-token` (the launcher passes the cluster token). */
export function toxiproxySpec(port: number, seed: number, logsDir: string, token: string): ChildSpec {
  return {
    name: 'toxiproxy',
    command: process.execPath,
    args: tsxArgs('cluster/toxiproxy/toxiproxy-main.ts', ['--host', LOOPBACK, '--port', String(port), '--seed', String(seed)]),
    env: { ...process.env, TOXIPROXY_TOKEN: token },
    cwd: REPO_ROOT,
    logFile: join(logsDir, 'toxiproxy.log'),
    ready: () => httpOk(`http://${LOOPBACK}:${port}/version`),
    readyTimeoutMs: SERVICE_READY_TIMEOUT_MS,
  };
}

export interface NodeWiring {
  readonly id: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** gRPC address this node uses for every member (itself direct, peers via its fault proxies). */
  readonly peers: ReadonlyMap<string, string>;
  readonly peerHttp: ReadonlyMap<string, string>;
  readonly clusterId: string;
  readonly clusterToken: string;
  readonly dataDir: string;
  readonly redisUrl: string | null;
  readonly dynamodbEndpoint: string;
  readonly exchangeUrls: readonly string[];
  readonly symbolsFile: string;
  readonly logLevel: string;
  readonly tickMs: number | null;
  readonly extraEnv: Readonly<Record<string, string>>;
}

function joinMap(map: ReadonlyMap<string, string>): string {
  return [...map].map(([id, value]) => `${id}=${value}`).join(',');
}

export function nodeEnvironment(wiring: NodeWiring, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    [NodeEnv.NODE_ID]: wiring.id,
    [NodeEnv.HTTP_HOST]: LOOPBACK,
    [NodeEnv.HTTP_PORT]: String(wiring.httpPort),
    [NodeEnv.GRPC_HOST]: LOOPBACK,
    [NodeEnv.GRPC_PORT]: String(wiring.grpcPort),
    [NodeEnv.PEERS]: joinMap(wiring.peers),
    [NodeEnv.PEER_HTTP]: joinMap(wiring.peerHttp),
    [NodeEnv.CLUSTER_ID]: wiring.clusterId,
    [NodeEnv.CLUSTER_TOKEN]: wiring.clusterToken,
    [NodeEnv.DATA_DIR]: wiring.dataDir,
    [NodeEnv.REDIS_URL]: wiring.redisUrl ?? '',
    [NodeEnv.DYNAMODB_ENDPOINT]: wiring.dynamodbEndpoint,
    [NodeEnv.AWS_REGION]: base[NodeEnv.AWS_REGION] ?? 'us-east-1',
    [NodeEnv.EXCHANGE_URLS]: wiring.exchangeUrls.join(','),
    [NodeEnv.SYMBOLS_FILE]: wiring.symbolsFile,
    [NodeEnv.LOG_LEVEL]: wiring.logLevel,
  };
  if (wiring.tickMs !== null) env[NodeEnv.RAFT_TICK_MS] = String(wiring.tickMs);
  else delete env[NodeEnv.RAFT_TICK_MS];
  return { ...env, ...wiring.extraEnv };
}

/**
 * libfaketime (Debian package faketime): preloaded into a child, it moves every clock the child
 * reads (Date.now, performance.now, process.hrtime) and its timers by a rate factor. Preloaded
 * directly rather than through the `faketime` wrapper, which forks: SIGKILL of the wrapper would
 * leave the node running. FAKETIME_LIB overrides the search.
 */
export const LIBFAKETIME_CANDIDATES: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

export function libfaketimePath(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = env['FAKETIME_LIB'] ? [env['FAKETIME_LIB']] : LIBFAKETIME_CANDIDATES;
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** The same child with its clocks and timers at `rate` x real time (libfaketime `+0 x<rate>`, from its start). */
export function withClockRate(spec: ChildSpec, rate: number, lib: string): ChildSpec {
  if (rate === 1) return spec;
  const preload = spec.env['LD_PRELOAD'] ? `${lib}:${spec.env['LD_PRELOAD']}` : lib;
  return { ...spec, env: { ...spec.env, LD_PRELOAD: preload, FAKETIME: `+0 x${rate}` } };
}

export function nodeSpec(wiring: NodeWiring, logsDir: string): ChildSpec {
  return {
    name: wiring.id,
    command: process.execPath,
    args: [...NODE_V8_FLAGS, ...tsxArgs(NODE_MAIN, [])],
    env: nodeEnvironment(wiring, process.env),
    cwd: REPO_ROOT,
    logFile: join(logsDir, `${wiring.id}.log`),
    ready: () => httpOk(`http://${LOOPBACK}:${wiring.httpPort}/health`),
    readyTimeoutMs: NODE_READY_TIMEOUT_MS,
  };
}
