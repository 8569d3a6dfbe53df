import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { GrpcTransport, RaftNode, Role, type LeaderChangeEvent } from '../../raft/index.js';
import type { ApplyResult } from '../bazaar/model.js';
import { BazaarStateMachine, DEFAULT_STATE_MACHINE_LIMITS } from '../bazaar/state-machine.js';
import { DEFAULT_STOCK_CACHE_TIMING, StockCache } from '../cache/stock-cache.js';
import { StockReader, withCachePublishing } from '../cache/stock-reader.js';
import { loadSymbols } from '../catalog/symbols.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import { buildApp } from '../http/app.js';
import { createMarketData } from '../prices/market-data.js';
import { STREAM_KEEP_ALIVE_MS_DEFAULT } from '../prices/market-limits.js';
import { createPriceService, type PriceService } from '../prices/price-service.js';
import { tierConfig } from '../prices/tiers.js';
import { BazaarRpcClients, RpcAuth, bazaarServiceDefinition, bazaarServiceImplementation } from './bazaar-rpc.js';
import type { NodeConfig } from './node-config.js';
import { registerEventLoopDelay } from './event-loop-delay.js';
import { createRaftMetrics, registerCacheMetrics } from './node-metrics.js';
import { RaftBackend } from './raft-backend.js';
import { forwardingHandlers, routedRefresh } from './rpc-handlers.js';
import { wireMembership } from './membership.js';
import { DialingTransport, PeerDial } from './peer-dial.js';

/** A running node: Raft member + state machine + HTTP API (+ price pipeline when leader). */
export interface RunningNode {
  readonly config: NodeConfig;
  readonly raft: RaftNode<ApplyResult>;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  /** Graceful stop: stop accepting, hand over leadership, drain, close storage. */
  stop(): Promise<void>;
}

/** Pending connections the kernel may queue (bursts of thousands of clients; capped by somaxconn). */
export const HTTP_LISTEN_BACKLOG = 4096;

/**
 * Entries one Ready hands the state machine (the core's default is 4,096). One apply is one
 * LevelDB batch whose ops level encodes synchronously, ~10-40 us each: 4,096 trades held the
 * event loop for 0.3-1.7 s during catch-up or replay; 256 keep it to tens of ms.
 */
export const APPLY_ENTRIES_PER_READY_MAX = 256;

/**
 * A node's Raft election timeout in ticks: randomized in [8, 16) ticks, 400-800 ms at the
 * default 50 ms tick (the core's default 10 gave 500-1000 ms). A leader's crash costs the
 * earlier of the two followers' timeouts plus the election and the first commit, so with 10
 * the failover bench's slowest kills came near 1 s. The margin: a follower campaigns only
 * after 400 ms without a heartbeat, and the longest event-loop stalls soaks showed are
 * 31-66 ms on a quiet machine, 150-350 ms on a loaded one. Lease reads follow the value (the
 * driver's LeaseClock and the core's vote holding read the same config): the lease is
 * 0.8 x (8 - 1) x 50 ms = 280 ms (was 360), renewed by the heartbeat round of every tick.
 */
export const ELECTION_TIMEOUT_TICKS = 8;

/** How long SIGTERM waits for a leadership transfer to land before stopping anyway. */
export const TRANSFER_ON_STOP_WAIT_MS = 1500;

export async function startNode(config: NodeConfig, logger: Logger = pino({ level: config.logLevel })): Promise<RunningNode> {
  const log = logger.child({ nodeId: config.nodeId });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  await mkdir(config.dataDir, { recursive: true });
  const symbols = await loadSymbols(config.symbolsFile);
  const machine = await openMachine(join(config.dataDir, 'state'), symbols, config);
  const loopDelay = registerEventLoopDelay(registry);
  const cleanups: (() => Promise<void> | void)[] = [() => loopDelay.stop(), () => machine.close()];
  try {
    return await assemble(config, { log, root: logger }, registry, symbols, machine, cleanups);
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw err;
  }
}

type Cleanups = (() => Promise<void> | void)[];
type ForwardingHandlers = ReturnType<typeof forwardingHandlers>;

async function assemble(
  config: NodeConfig,
  loggers: { log: Logger; root: Logger },
  registry: Registry,
  symbols: string[],
  machine: BazaarStateMachine,
  cleanups: Cleanups,
): Promise<RunningNode> {
  const log = loggers.log;
  const members = [...config.peers.keys()];
  const cache = openStockCache(config, log, registry, cleanups);
  const { prices, market } = await openPriceService(config, log, registry, symbols, cleanups);
  // Membership changes update both (src/node/membership.ts).
  const rpcMembers = new Set(members);
  const auth = new RpcAuth(config.clusterId, config.clusterToken, config.nodeId, rpcMembers);
  const rpc = new BazaarRpcClients(auth, config.peers, config.nodeId);
  cleanups.push(() => rpc.close());
  const handlersRef: { current: ForwardingHandlers | null } = { current: null };
  const dial = new PeerDial(config.peerDial);
  const transport = createTransport(config, auth, handlersRef, log, dial);
  const raft = await startRaft(config, { transport, machine, cache, prices, registry, log });
  cleanups.push(() => raft.stop());
  const backend = createBackend(config, { raft, machine, cache, prices, market, rpc, registry });
  const transferTo = leadershipTransfer(raft, rpc, config.requestTimeoutMs);
  handlersRef.current = forwardingHandlers({ backend, raft, prices, transferTo, requestTimeoutMs: config.requestTimeoutMs });
  const refreshNow = routedRefresh({ raft, prices, rpc, nodeId: config.nodeId, requestTimeoutMs: config.requestTimeoutMs });
  const routes = {
    backend,
    prices: { ...prices.routesOptions, refreshNow },
    market: { ...prices.routesOptions, hub: market.hub, keepAliveMs: STREAM_KEEP_ALIVE_MS_DEFAULT },
    admin: { clusterToken: config.clusterToken, members, transfer: transferTo },
    members: wireMembership({
      nodeId: config.nodeId, grpcAddress: `${config.grpcHost}:${config.grpcPort}`, clusterToken: config.clusterToken,
      raft: raft as RaftNode<unknown>, transport, dial, rpc, memberIds: members, rpcMembers, registry,
      requestTimeoutMs: config.requestTimeoutMs, log,
    }),
    web: {
      nodeId: config.nodeId,
      hotAssets: [...prices.routesOptions.tierMap].filter(([, tier]) => tier === 'hot').map(([asset]) => asset),
      clusterStatus: () => backend.clusterStatus(),
      peerHttp: config.peerHttp,
    },
  };
  // buildApp binds nodeId itself: give it the root logger so the key is not logged twice.
  const app = await buildApp({ nodeId: config.nodeId, logger: loggers.root, registry, currentTerm: () => raft.roleInfo().term, routes });
  await listen(app, config);
  log.info({ http: `${config.httpHost}:${config.httpPort}`, grpc: `${config.grpcHost}:${config.grpcPort}`, members }, 'node started');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= gracefulStop(raft, app, members, config.nodeId, log, cleanups);
    return stopping;
  };
  return { config, raft, app, logger: log, stop };
}

function openStockCache(config: NodeConfig, log: Logger, registry: Registry, cleanups: Cleanups): StockCache | null {
  const cache = config.redisUrl === null ? null : new StockCache({ redisUrl: config.redisUrl, keyPrefix: `bazaar:${config.clusterId}:stock:`, ...DEFAULT_STOCK_CACHE_TIMING, logger: log });
  if (cache === null) log.warn('REDIS_URL not set: running without the Redis cache');
  else cleanups.push(() => cache.close());
  registerCacheMetrics(registry, cache);
  return cache;
}

type MarketData = ReturnType<typeof createMarketData>;

/** The price pipeline (refresher, history, latest prices) and the market-data stream hub it publishes to. */
async function openPriceService(config: NodeConfig, log: Logger, registry: Registry, symbols: string[], cleanups: Cleanups): Promise<{ prices: PriceService; market: MarketData }> {
  const priceRedis = config.redisUrl === null ? null : new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 200, connectTimeout: 500, lazyConnect: false });
  priceRedis?.on('error', () => undefined);
  if (priceRedis !== null) cleanups.push(() => void priceRedis.disconnect());
  const market = createMarketData({ registry, redisUrl: config.redisUrl, publishRedis: priceRedis, clusterId: config.clusterId, logger: { warn: (m) => log.warn(m) } });
  cleanups.push(() => market.close());
  const prices = await createPriceService({
    symbols,
    exchangeUrls: config.exchangeUrls,
    redis: priceRedis,
    dynamoEndpoint: config.dynamoEndpoint,
    region: config.awsRegion,
    registry,
    tiers: tierConfig(
      Object.fromEntries(Object.entries(config.priceIntervalsMs).filter((e): e is [string, number] => e[1] !== null)),
    ),
    logger: { warn: (m) => log.warn(m), info: (m) => log.info(m) },
    writerId: config.nodeId,
    publisher: market.channel,
  });
  cleanups.push(() => prices.close());
  return { prices, market };
}

function createTransport(config: NodeConfig, auth: RpcAuth, handlersRef: { current: ForwardingHandlers | null }, log: Logger, dial: PeerDial): GrpcTransport {
  return new DialingTransport(dial, {
    id: config.nodeId,
    listenHost: config.grpcHost,
    listenPort: config.grpcPort,
    peers: Object.fromEntries([...config.peers].filter(([id]) => id !== config.nodeId)),
    clusterId: config.clusterId,
    clusterToken: config.clusterToken,
    logger: log.child({ component: 'transport' }),
    extraServices: [
      {
        definition: bazaarServiceDefinition(),
        implementation: bazaarServiceImplementation(auth, {
          forwardTrades: (r) => need(handlersRef.current).forwardTrades(r),
          forwardRefresh: (r) => need(handlersRef.current).forwardRefresh(r),
          transferLeadership: (r) => need(handlersRef.current).transferLeadership(r),
        }),
      },
    ],
  });
}

/** The Raft member; the price refresher runs while it leads, the cache is published from the leader. */
async function startRaft(
  config: NodeConfig,
  parts: { transport: GrpcTransport; machine: BazaarStateMachine; cache: StockCache | null; prices: PriceService; registry: Registry; log: Logger },
): Promise<RaftNode<ApplyResult>> {
  const { machine, cache, prices, log } = parts;
  let isLeader = false;
  const stateMachine = cache === null ? machine : withCachePublishing(machine, cache, () => isLeader);
  const raft = await RaftNode.start<ApplyResult>({
    id: config.nodeId,
    // A joining node boots as a learner of the running cluster's voters (PEERS minus itself).
    voters: config.join ? [...config.peers.keys()].filter((id) => id !== config.nodeId) : [...config.peers.keys()],
    learners: config.join ? [config.nodeId] : [],
    dataDir: join(config.dataDir, 'raft'),
    transport: parts.transport,
    stateMachine,
    tickMs: config.tickMs,
    raft: {
      electionTimeoutTicks: ELECTION_TIMEOUT_TICKS,
      leaseReads: config.readMode === 'lease',
      // A bare commit index waits for the next entries, heartbeat or ReadIndex answer (config.ts).
      deferBareCommit: true,
      maxApplyEntriesPerReady: APPLY_ENTRIES_PER_READY_MAX,
      ...(config.snapshotThresholdEntries === null ? {} : { snapshotThresholdEntries: config.snapshotThresholdEntries }),
      ...(config.compactionKeepEntries === null ? {} : { compactionKeepEntries: config.compactionKeepEntries }),
    },
    defaultTimeoutMs: config.requestTimeoutMs,
    metrics: createRaftMetrics(parts.registry),
    logger: log.child({ component: 'raft' }),
  });
  const onLeaderChange = (event: LeaderChangeEvent): void => {
    isLeader = event.role === Role.Leader;
    log.info({ leader: event.leader, role: event.role, term: event.term }, 'leadership changed');
    if (isLeader) prices.refresher.start(event.term);
    else prices.refresher.stop();
  };
  raft.on('leader-change', onLeaderChange);
  return raft;
}

function createBackend(
  config: NodeConfig,
  parts: { raft: RaftNode<ApplyResult>; machine: BazaarStateMachine; cache: StockCache | null; prices: PriceService; market: MarketData; rpc: BazaarRpcClients; registry: Registry },
): RaftBackend {
  const { raft, machine, prices, market } = parts;
  const reader = new StockReader({ local: machine, readBarrier: () => raft.readIndex(config.requestTimeoutMs), cache: parts.cache });
  const priceOf = (name: string): number | null => prices.refresher.latestPrice(name)?.price ?? null;
  const latestStore = prices.routesOptions.latestStore;
  // A non-leader shows the latest price it heard on the price channel (what its /prices/stream
  // clients saw; the leader publishes there right after writing Redis), so a stock read costs no
  // Redis round trip; Redis only for an asset it has heard nothing of since it started.
  const displayPriceOf = async (name: string): Promise<number | null> => {
    const heard = market.hub.latest(name);
    if (heard !== null) return heard.price.price;
    if (latestStore === null) return null;
    try {
      return (await latestStore.get(name))?.price ?? null;
    } catch {
      return null; // Redis down or slow (bounded by its command timeout): show no price
    }
  };
  return new RaftBackend({ nodeId: config.nodeId, raft, machine, reader, rpc: parts.rpc, registry: parts.registry, requestTimeoutMs: config.requestTimeoutMs, priceOf, displayPriceOf });
}

/** Leadership transfer from any node: the leader transfers, a follower asks the leader. */
function leadershipTransfer(raft: RaftNode<ApplyResult>, rpc: BazaarRpcClients, timeoutMs: number): (to: string) => Promise<void> {
  return async (to) => {
    const st = raft.status();
    if (st.role === Role.Leader) {
      raft.transferLeadership(to);
      return;
    }
    if (st.leader === null) throw new BazaarError(BazaarErrorCode.Unavailable, 'no leader to transfer from');
    const reply = await rpc.transferLeadership(st.leader, to, timeoutMs);
    if (!reply.ok) throw new BazaarError(BazaarErrorCode.Unavailable, `leader refused the transfer: ${reply.error_message}`);
  };
}

async function listen(app: FastifyInstance, config: NodeConfig): Promise<void> {
  try {
    await app.listen({ host: config.httpHost, port: config.httpPort, backlog: HTTP_LISTEN_BACKLOG });
  } catch (err) {
    await app.close();
    throw new Error(`cannot listen on HTTP ${config.httpHost}:${config.httpPort}: ${(err as Error).message}`, { cause: err });
  }
}

async function gracefulStop(
  raft: RaftNode<ApplyResult>,
  app: FastifyInstance,
  members: readonly string[],
  self: string,
  log: Logger,
  cleanups: Cleanups,
): Promise<void> {
  log.info('stopping: no new requests, handing over leadership if leader');
  const closing = app.close();
  const st = raft.status();
  if (st.role === Role.Leader && members.length > 1) {
    const target = st.progress.slice().sort((a, b) => b.match - a.match)[0]?.id ?? members.find((m) => m !== self);
    if (target !== undefined) {
      raft.transferLeadership(target);
      const deadline = Date.now() + TRANSFER_ON_STOP_WAIT_MS;
      while (Date.now() < deadline && raft.status().role === Role.Leader) await new Promise((r) => setTimeout(r, 20));
    }
  }
  await closing;
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      log.warn({ err }, 'cleanup failed during stop');
    }
  }
  log.info('stopped');
}

async function openMachine(dir: string, symbols: string[], config: NodeConfig): Promise<BazaarStateMachine> {
  try {
    return await BazaarStateMachine.open({
      dir,
      symbols,
      ...DEFAULT_STATE_MACHINE_LIMITS,
      idempotencyKeysMax: config.idempotencyKeysMax ?? DEFAULT_STATE_MACHINE_LIMITS.idempotencyKeysMax,
      idempotencyKeyTtlMs: config.idempotencyKeyTtlMs ?? DEFAULT_STATE_MACHINE_LIMITS.idempotencyKeyTtlMs,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown; cause?: { code?: unknown } } }).cause;
    if (cause?.code === 'LEVEL_LOCKED' || cause?.cause?.code === 'LEVEL_LOCKED') {
      throw new Error(`data directory ${dir} is already in use by another process (is this node already running?)`, { cause: err });
    }
    throw err;
  }
}

function need<T>(value: T | null): T {
  if (value === null) throw new Error('node is still starting');
  return value;
}
