/**
 * `npx tsx bench/support/lease-read-gc.ts [--duration-s 4] [--readers 50]`: the garbage cost of
 * a leader's lease reads. Three RaftNodes in one process (LevelDB in a temp dir, in-memory
 * network, lease reads), `--readers` closed loops calling readIndex() on the leader; prints
 * reads/s and the young- and old-generation GCs of the run (count, p50/p90/max pause), the
 * figures behind bench/README.md "Leader read tail, session 4". Single process, so it measures
 * the driver's read path, not HTTP or scheduling.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MemoryNetwork, RaftNode, silentLogger, type StateMachine } from '../../raft/index.js';

const IDS = ['n1', 'n2', 'n3'];
const LEADER_WAIT_MS = 10_000;

/** Reads only: nothing is proposed but the term's first entry. */
function emptyMachine(): StateMachine {
  let applied = 0;
  return {
    appliedIndex: async () => applied,
    apply: async (entries) => {
      applied = entries.at(-1)?.index ?? applied;
      return entries.map(() => null);
    },
    checkpoint: async () => ({ index: applied, data: new Uint8Array() }),
    snapshotChunks: () => null,
    restore: async (meta) => void (applied = meta.index),
  };
}

function pauses(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
  return `${label} ${sorted.length} (p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms, total ${sorted.reduce((a, b) => a + b, 0).toFixed(0)} ms)`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'duration-s': { type: 'string', default: '4' }, readers: { type: 'string', default: '50' } } });
  const durationMs = Number(values['duration-s']) * 1000;
  const readers = Number(values.readers);
  if (!(durationMs > 0 && durationMs <= 600_000) || !Number.isInteger(readers) || readers < 1 || readers > 4096) {
    throw new Error('--duration-s must be in (0, 600] and --readers an integer 1..4096');
  }
  const root = await mkdtemp(join(tmpdir(), 'lease-read-gc-'));
  const network = new MemoryNetwork();
  const nodes: RaftNode[] = [];
  try {
    for (const [i, id] of IDS.entries()) {
      nodes.push(await RaftNode.start({
        id, voters: IDS, dataDir: join(root, id), transport: network.transport(id), stateMachine: emptyMachine(),
        seed: 100 + i, logger: silentLogger, raft: { leaseReads: true, checkQuorum: true },
      }));
    }
    const deadline = Date.now() + LEADER_WAIT_MS;
    let leader = nodes.find((n) => n.roleInfo().role === 'leader');
    while (leader === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      leader = nodes.find((n) => n.roleInfo().role === 'leader');
    }
    if (leader === undefined) throw new Error('no leader');
    await leader.readIndex(LEADER_WAIT_MS); // the term's first commit and lease are in place
    const minor: number[] = [];
    const major: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = ((e as unknown as { detail?: { kind?: number } }).detail)?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(e.duration);
        else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major.push(e.duration);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    let reads = 0;
    const node = leader;
    const endMs = performance.now() + durationMs;
    await Promise.all(Array.from({ length: readers }, async () => {
      while (performance.now() < endMs) {
        await node.readIndex(5_000);
        reads += 1;
      }
    }));
    await new Promise((r) => setImmediate(r));
    observer.disconnect();
    console.log(`lease reads: ${readers} readers, ${durationMs / 1000} s, ${Math.round(reads / (durationMs / 1000))} reads/s, lease ${node.status().readLease}, load ${loadavg().map((l) => l.toFixed(1)).join('/')}`);
    console.log(`  ${pauses('young-generation GCs', minor)}`);
    console.log(`  ${pauses('old-generation GCs', major)}`);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`lease-read-gc failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
