import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RaftMetricsHooks } from '../../raft/index.js';
import type { StockCache } from '../cache/stock-cache.js';

/** Raft and cache metrics of a node, names fixed by deploy/METRICS.md. */
export function createRaftMetrics(registry: Registry): RaftMetricsHooks {
  const term = new Gauge({ name: 'bazaar_raft_term', help: 'Current Raft term', registers: [registry] });
  const commit = new Gauge({ name: 'bazaar_raft_commit_index', help: 'Raft commit index', registers: [registry] });
  const applied = new Gauge({ name: 'bazaar_raft_applied_index', help: 'Raft applied index', registers: [registry] });
  const isLeader = new Gauge({ name: 'bazaar_raft_is_leader', help: '1 when this node leads', registers: [registry] });
  const leaderChanges = new Counter({ name: 'bazaar_raft_leader_changes_total', help: 'Leader changes seen', registers: [registry] });
  const pending = new Gauge({ name: 'bazaar_raft_proposals_pending', help: 'Proposals awaiting commit', registers: [registry] });
  const fsync = new Histogram({
    name: 'bazaar_raft_fsync_duration_seconds',
    help: 'Duration of one synced Raft storage batch',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const entriesPerFsync = new Histogram({
    name: 'bazaar_raft_entries_per_fsync',
    help: 'Log entries carried by one synced batch (group commit size)',
    buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  const snapshots = new Counter({ name: 'bazaar_raft_snapshots_total', help: 'Snapshots taken or restored', labelNames: ['kind'] as const, registers: [registry] });
  return {
    onFsync: (ms, entries) => {
      fsync.observe(ms / 1000);
      entriesPerFsync.observe(entries);
    },
    onTerm: (t) => term.set(t),
    onCommit: (c) => commit.set(c),
    onApplied: (a) => applied.set(a),
    onLeaderChange: (_leader, role) => {
      leaderChanges.inc();
      isLeader.set(role === 'leader' ? 1 : 0);
    },
    onProposalsPending: (n) => pending.set(n),
    onSnapshot: (kind) => snapshots.inc({ kind }),
  };
}

export function registerCacheMetrics(registry: Registry, cache: StockCache | null): void {
  const stat = (key: 'hits' | 'misses' | 'superseded') => () => cache?.stats()[key] ?? 0;
  const counterFrom = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  counterFrom('bazaar_cache_hits_total', 'Redis stock cache hits', stat('hits'));
  counterFrom('bazaar_cache_misses_total', 'Redis stock cache misses', stat('misses'));
  counterFrom('bazaar_cache_fills_rejected_total', 'Cache fills refused by the index fence', stat('superseded'));
}
