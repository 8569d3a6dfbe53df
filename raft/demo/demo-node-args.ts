import { parseArgs } from 'node:util';

/** Everything one demo Raft member needs, validated once. */
export interface DemoNodeArgs {
  readonly id: string;
  /** Members and their gRPC addresses (host:port), this node included. */
  readonly peers: ReadonlyMap<string, string>;
  readonly dataDir: string;
  readonly httpHost: string;
  /** 0 picks a free port (printed in the READY line). */
  readonly httpPort: number;
  readonly clusterId: string;
  readonly clusterToken: string;
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly snapshotThresholdEntries: number;
  readonly compactionKeepEntries: number;
  readonly seed: number | undefined;
}

export const demoNodeUsage = `usage: demo-node-main --id n1 --peers n1=127.0.0.1:9080,n2=127.0.0.1:9180,n3=127.0.0.1:9280
  --data-dir DIR [--http-host 127.0.0.1] [--http-port 0] [--cluster-id demo] [--cluster-token T]
  [--tick-ms 50] [--election-timeout-ticks 10] [--snapshot-threshold 10000] [--compaction-keep 1000] [--seed N]
  (env fallbacks: NODE_ID, PEERS, DATA_DIR, HTTP_HOST, HTTP_PORT, CLUSTER_ID, CLUSTER_TOKEN, RAFT_TICK_MS)`;

function intArg(name: string, raw: string | undefined, fallback: number, min: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

export function parsePeers(raw: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const part of raw.split(',').filter((p) => p.length > 0)) {
    const match = /^([^=]+)=([^:]+):(\d+)$/.exec(part.trim());
    if (match === null) throw new Error(`--peers entry "${part}" is not id=host:port`);
    const [, id, host, port] = match as unknown as [string, string, string, string];
    if (peers.has(id)) throw new Error(`--peers names ${id} twice`);
    peers.set(id, `${host}:${port}`);
  }
  return peers;
}

export function parseDemoNodeArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DemoNodeArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      id: { type: 'string' },
      peers: { type: 'string' },
      'data-dir': { type: 'string' },
      'http-host': { type: 'string' },
      'http-port': { type: 'string' },
      'cluster-id': { type: 'string' },
      'cluster-token': { type: 'string' },
      'tick-ms': { type: 'string' },
      'election-timeout-ticks': { type: 'string' },
      'snapshot-threshold': { type: 'string' },
      'compaction-keep': { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const id = values.id ?? env['NODE_ID'];
  const peersRaw = values.peers ?? env['PEERS'];
  const dataDir = values['data-dir'] ?? env['DATA_DIR'];
  if (id === undefined || id === '') throw new Error('--id (or NODE_ID) is required');
  if (peersRaw === undefined) throw new Error('--peers (or PEERS) is required');
  if (dataDir === undefined || dataDir === '') throw new Error('--data-dir (or DATA_DIR) is required');
  const peers = parsePeers(peersRaw);
  if (!peers.has(id)) throw new Error(`--peers must include this node ${id}`);
  return {
    id,
    peers,
    dataDir,
    httpHost: values['http-host'] ?? env['HTTP_HOST'] ?? '127.0.0.1',
    httpPort: intArg('http-port', values['http-port'] ?? env['HTTP_PORT'], 0, 0),
    clusterId: values['cluster-id'] ?? env['CLUSTER_ID'] ?? 'raft-demo',
    clusterToken: values['cluster-token'] ?? env['CLUSTER_TOKEN'] ?? 'raft-demo-token',
    tickMs: intArg('tick-ms', values['tick-ms'] ?? env['RAFT_TICK_MS'], 50, 1),
    electionTimeoutTicks: intArg('election-timeout-ticks', values['election-timeout-ticks'], 10, 2),
    snapshotThresholdEntries: intArg('snapshot-threshold', values['snapshot-threshold'], 10_000, 1),
    compactionKeepEntries: intArg('compaction-keep', values['compaction-keep'], 1_000, 0),
    seed: values.seed === undefined ? undefined : intArg('seed', values.seed, 0, 0),
  };
}
