/**
 * One demo Raft member per process: KV state machine, LevelDB log in --data-dir, gRPC to its
 * peers, and a loopback HTTP control surface (see demo-control-server.ts). Prints one line
 * `RAFT_DEMO_READY {"id","httpPort","pid"}` on stdout once it serves.
 */
import type { AddressInfo } from 'node:net';
import { RaftDriverErrorCode, isRaftError } from '../errors/raft-errors.js';
import { createStderrLogger } from '../driver/raft-logger.js';
import { RaftNode } from '../driver/raft-node.js';
import { GrpcTransport } from '../transport/grpc-transport.js';
import { startControlServer } from './demo-control-server.js';
import { type DemoNodeArgs, demoNodeUsage, parseDemoNodeArgs } from './demo-node-args.js';
import { type KvResult, KvStateMachine } from './kv-state-machine.js';

export const READY_PREFIX = 'RAFT_DEMO_READY ';

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

async function startMember(args: DemoNodeArgs): Promise<void> {
  const logger = createStderrLogger(`demo-${args.id}`);
  const listen = splitAddress(args.peers.get(args.id) as string);
  const transport = new GrpcTransport({
    id: args.id,
    listenHost: listen.host,
    listenPort: listen.port,
    peers: Object.fromEntries([...args.peers].filter(([peer]) => peer !== args.id)),
    clusterId: args.clusterId,
    clusterToken: args.clusterToken,
    logger: { ...logger, debug: () => {} },
  });
  const sm = new KvStateMachine();
  const node = await RaftNode.start<KvResult>({
    id: args.id,
    voters: [...args.peers.keys()],
    dataDir: args.dataDir,
    transport,
    stateMachine: sm,
    tickMs: args.tickMs,
    raft: {
      electionTimeoutTicks: args.electionTimeoutTicks,
      snapshotThresholdEntries: args.snapshotThresholdEntries,
      compactionKeepEntries: args.compactionKeepEntries,
    },
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    logger,
  });
  const server = await startControlServer(node, sm, args.httpHost, args.httpPort);
  const httpPort = (server.address() as AddressInfo).port;
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ id: args.id, httpPort, pid: process.pid })}\n`);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping demo member');
    server.closeAllConnections();
    server.close();
    void node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: String(error) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function main(): Promise<void> {
  let args: DemoNodeArgs;
  try {
    args = parseDemoNodeArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${demoNodeUsage}\n`);
    process.exit(2);
  }
  try {
    await startMember(args);
  } catch (error) {
    const storageProblem =
      isRaftError(error, RaftDriverErrorCode.StorageLocked) ||
      isRaftError(error, RaftDriverErrorCode.StorageUnreadable) ||
      isRaftError(error, RaftDriverErrorCode.StorageCorrupt) ||
      isRaftError(error, RaftDriverErrorCode.InvalidOptions);
    process.stderr.write(`error: ${storageProblem ? (error as Error).message : String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  }
}

await main();
