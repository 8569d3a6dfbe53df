/**
 * Three RaftNodes in ONE process (real LevelDB, synced), wired by the real GrpcTransport over
 * loopback or by the in-memory network, with closed-loop proposers on the leader. Separates
 * the driver's cost from the transport's and from cross-process scheduling.
 *   npx tsx raft/bench/driver-inproc-main.ts [--transport grpc|memory] [--duration-s 5] [--concurrency 1,16,64] [--size-bytes 256] [--stats]
 * Prints proposals/s, commit latency, and CPU microseconds per proposal of the whole process
 * (all three nodes): under a CPU-starved machine the CPU cost is the steadier figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Role } from '../core/types.js';
import { runLoad } from '../demo/demo-load.js';
import { type KvResult, KvStateMachine } from '../demo/kv-state-machine.js';
import { MemoryNetwork } from '../driver/memory-transport.js';
import { silentLogger } from '../driver/raft-logger.js';
import { RaftNode } from '../driver/raft-node.js';
import { GrpcTransport } from '../transport/grpc-transport.js';
import { reserveFreePort } from '../../common/free-port.js';
import { makeTransport } from '../transport/transport-test-kit.js';
import type { RaftTransport } from '../transport/transport.js';

const ids = ['n1', 'n2', 'n3'] as const;
const leaderWaitMs = 10_000;

function row(cells: readonly (string | number)[]): string {
  return cells.map((c, i) => String(c).padStart(i === 0 ? 11 : 13)).join(' ');
}

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(1)).join('/');
}

function parse(): { transport: 'grpc' | 'memory'; durationS: number; concurrency: number[]; sizeBytes: number; stats: boolean } {
  const { values } = parseArgs({
    options: {
      transport: { type: 'string', default: 'grpc' },
      'duration-s': { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '1,16,64' },
      'size-bytes': { type: 'string', default: '256' },
      stats: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, raw: string, min: number, max: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
    return v;
  };
  if (values.transport !== 'grpc' && values.transport !== 'memory') throw new Error(`--transport must be grpc or memory, got ${values.transport}`);
  return {
    transport: values.transport,
    durationS: int('duration-s', values['duration-s'], 1, 600),
    concurrency: values.concurrency.split(',').map((c) => int('concurrency', c, 1, 4096)),
    sizeBytes: int('size-bytes', values['size-bytes'], 1, 1024 * 1024),
    stats: values.stats,
  };
}

async function transports(kind: 'grpc' | 'memory'): Promise<RaftTransport[]> {
  if (kind === 'memory') {
    const network = new MemoryNetwork();
    return ids.map((id) => network.transport(id));
  }
  const ports = await Promise.all(ids.map(() => reserveFreePort()));
  return ids.map((id, i) => {
    const peers = Object.fromEntries(ids.flatMap((peer, j) => (peer === id ? [] : [[peer, ports[j] as number]])));
    return makeTransport(id, ports[i] as number, peers);
  });
}

async function main(): Promise<void> {
  const args = parse();
  console.log(`command: npx tsx raft/bench/driver-inproc-main.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  const root = await mkdtemp(join(tmpdir(), 'raft-inproc-'));
  const nodes: RaftNode<KvResult>[] = [];
  try {
    const wires = await transports(args.transport);
    for (const [i, id] of ids.entries()) {
      nodes.push(await RaftNode.start<KvResult>({
        id, voters: [...ids], dataDir: join(root, id), transport: wires[i] as RaftTransport,
        stateMachine: new KvStateMachine(), seed: 100 + i, logger: silentLogger,
      }));
    }
    const deadline = Date.now() + leaderWaitMs;
    let leader: RaftNode<KvResult> | undefined;
    while (leader === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      leader = nodes.find((n) => n.status().role === Role.Leader);
    }
    if (leader === undefined) throw new Error('no leader');
    console.log(row(['concurrency', 'proposals/s', 'p50 ms', 'p99 ms', 'max ms', 'entries/fsync', 'cpu us/prop', 'load avg']));
    for (const concurrency of args.concurrency) {
      const cpuBefore = process.cpuUsage();
      const r = await runLoad(leader, { concurrency, durationMs: args.durationS * 1000, sizeBytes: args.sizeBytes });
      const cpu = process.cpuUsage(cpuBefore);
      const cpuUsPerProposal = r.committed === 0 ? 0 : (cpu.user + cpu.system) / r.committed;
      console.log(row([concurrency, r.proposalsPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.maxMs.toFixed(1), r.entriesPerFsync.toFixed(1), cpuUsPerProposal.toFixed(0), loadAverage()]));
      if (args.stats) for (const w of wires) if (w instanceof GrpcTransport) console.log(`  ${w.id} ${JSON.stringify(w.stats())}`);
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`driver in-process bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
