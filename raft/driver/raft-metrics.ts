import type { NodeId, Role } from '../core/types.js';

/**
 * Optional metric callbacks. The driver never imports a metrics library: the service maps
 * these onto prom-client (histograms for durations, gauges for indexes).
 */
export interface RaftMetricsHooks {
  /** One synced storage batch: its duration and how many log entries it carried (group commit size). */
  onFsync?(durationMs: number, entries: number): void;
  onTerm?(term: number): void;
  onCommit?(commit: number): void;
  onApplied?(applied: number): void;
  onLeaderChange?(leader: NodeId | null, role: Role, term: number): void;
  onProposalsPending?(count: number): void;
  /** A snapshot was taken locally (`taken`) or received from the leader and restored (`restored`). */
  onSnapshot?(kind: 'taken' | 'restored', index: number): void;
}
