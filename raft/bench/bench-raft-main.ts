/**
 * Raft throughput and commit latency on three local processes (synced LevelDB, gRPC loopback).
 * For each concurrency level, closed-loop proposers run inside the leader process (no client
 * RPC hop) and propose fixed-size entries for the duration; prints proposals/s, p50/p99 commit
 * latency, the leader's entries per fsync (group commit), CPU microseconds per proposal of all three
 * member processes together (from /proc; steadier than latency on a shared machine) and the load
 * average (1/5/15 min) after the level.
 *   npm run bench:raft -- [--duration-s 10] [--concurrency 1,16,64] [--size-bytes 256] [--tick-ms 50] [--keep-data]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DemoCluster } from '../demo/demo-cluster.js';
import type { LoadReport } from '../demo/demo-load.js';

const etcdReference: Record<number, string> = { 1: '~880/s', 16: '~3,900/s', 64: '~6,800/s (p99 21 ms)' };

interface BenchArgs {
  readonly durationS: number;
  readonly concurrency: number[];
  readonly sizeBytes: number;
  readonly tickMs: number;
  readonly keepData: boolean;
}

const USAGE = `usage: npm run bench:raft -- [options]: the Raft log alone: three local member processes (synced LevelDB, gRPC on loopback), no HTTP
  --duration-s N     seconds per concurrency level, 1..600 (default 10)
  --concurrency L    proposers, comma-separated (default 1,16,64)
  --size-bytes N     proposal size (default 256)
  --tick-ms N        Raft tick (default 50)
  --keep-data        keep the LevelDB directories
  --help             this text`;

function parseBenchArgs(): BenchArgs | null {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      'duration-s': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '1,16,64' },
      'size-bytes': { type: 'string', default: '256' },
      'tick-ms': { type: 'string', default: '50' },
      'keep-data': { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const int = (name: string, raw: string, min: number, max: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
    return v;
  };
  return {
    durationS: int('duration-s', values['duration-s'], 1, 600),
    concurrency: values.concurrency.split(',').map((c) => int('concurrency', c, 1, 4096)),
    sizeBytes: int('size-bytes', values['size-bytes'], 1, 1024 * 1024),
    tickMs: int('tick-ms', values['tick-ms'], 1, 1000),
    keepData: values['keep-data'],
  };
}

/** Clock ticks per second of /proc/<pid>/stat utime and stime (USER_HZ, 100 on Linux). */
const procTicksPerSec = 100;

/** CPU ms used so far by the member processes (user + system), or null where /proc is missing. */
function membersCpuMs(cluster: DemoCluster): number | null {
  let total = 0;
  for (const id of cluster.ids) {
    const pid = cluster.pid(id);
    if (pid === null) return null;
    try {
      // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / procTicksPerSec;
    } catch {
      return null;
    }
  }
  return total;
}

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(1)).join('/');
}

function row(cells: readonly (string | number)[]): string {
  return cells.map((c, i) => String(c).padStart(i === 0 ? 11 : 13)).join(' ');
}

async function runLevels(cluster: DemoCluster, args: BenchArgs): Promise<void> {
  console.log(row(['concurrency', 'proposals/s', 'p50 ms', 'p99 ms', 'max ms', 'entries/fsync', 'cpu us/prop', 'errors', 'load avg', 'etcd 3.4']));
  for (const concurrency of args.concurrency) {
    const leader = await cluster.waitForLeader(30_000);
    const durationMs = args.durationS * 1000;
    const cpuBeforeMs = membersCpuMs(cluster);
    const { status, body } = await cluster.request<LoadReport>(
      leader,
      'POST',
      '/load',
      { concurrency, durationMs, sizeBytes: args.sizeBytes },
      durationMs + 60_000,
    );
    if (status !== 200) throw new Error(`load on ${leader} answered ${status}: ${JSON.stringify(body)}`);
    const cpuAfterMs = membersCpuMs(cluster);
    const cpuUsPerProposal =
      cpuBeforeMs === null || cpuAfterMs === null || body.committed === 0 ? '-' : (((cpuAfterMs - cpuBeforeMs) * 1000) / body.committed).toFixed(0);
    const errors = Object.entries(body.errors).map(([code, n]) => `${code}:${n}`).join(',') || '0';
    console.log(
      row([
        concurrency,
        body.proposalsPerSec.toFixed(0),
        body.p50Ms.toFixed(2),
        body.p99Ms.toFixed(2),
        body.maxMs.toFixed(1),
        body.entriesPerFsync.toFixed(1),
        cpuUsPerProposal,
        errors,
        loadAverage(),
        etcdReference[concurrency] ?? '-',
      ]),
    );
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  if (args === null) {
    console.log(USAGE);
    return;
  }
  const flags = process.argv.slice(2).map((a) => (a.includes(' ') ? JSON.stringify(a) : a));
  console.log(`command: npm run bench:raft -- ${flags.join(' ')}`.trimEnd());
  const rootDir = await mkdtemp(join(tmpdir(), 'raft-bench-'));
  const cluster = await DemoCluster.create({ rootDir, memberArgs: ['--tick-ms', String(args.tickMs)] });
  const cleanup = async (): Promise<void> => {
    await cluster.stopAll();
    if (!args.keepData) await rm(rootDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.on('exit', () => cluster.killAllNow());
  try {
    await cluster.startAll();
    console.log(`members: ${cluster.commandLine('n1')} (and n2, n3 alike)`);
    console.log(`3 processes on loopback, LevelDB sync writes, ${args.sizeBytes}-byte entries, ${args.durationS} s per level, proposers inside the leader`);
    await runLevels(cluster, args);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
