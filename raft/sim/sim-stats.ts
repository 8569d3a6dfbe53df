import type { Message } from '../core/types.js';
import { InvariantViolation } from './invariants.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulator.js';

export interface SimStats {
  steps: number;
  ticks: number;
  messagesDelivered: number;
  crashes: number;
  powerLosses: number;
  pauses: number;
  partitions: number;
  leaderTerms: number;
  maxTerm: number;
  proposalsAcked: number;
  readsIssued: number;
  readsServed: number;
  transfers: number;
  snapshotsInstalled: number;
  compactions: number;
  /** Configuration changes the leaders appended (sim-membership.ts). */
  confChanges: number;
}

export function emptyStats(): SimStats {
  return {
    steps: 0, ticks: 0, messagesDelivered: 0, crashes: 0, powerLosses: 0, pauses: 0, partitions: 0, leaderTerms: 0,
    maxTerm: 0, proposalsAcked: 0, readsIssued: 0, readsServed: 0, transfers: 0, snapshotsInstalled: 0, compactions: 0, confChanges: 0,
  };
}

export function addStats(totals: SimStats, stats: SimStats): void {
  for (const key of Object.keys(totals) as (keyof SimStats)[]) {
    totals[key] = key === 'maxTerm' ? Math.max(totals[key], stats[key]) : totals[key] + stats[key];
  }
}

/** What the wire shows, checked over the whole history (every incarnation of every node). */
export function checkOnSend(sim: Simulation, node: SimNode, message: Message): void {
  switch (message.type) {
    case 'vote-resp':
      if (!message.reject) sim.checker.observeVoteGranted(message.from, message.term, message.to);
      return;
    case 'append':
    case 'heartbeat':
      sim.checker.observeLeader(message.from, message.term);
      return;
    case 'snapshot':
      sim.checker.observeLeader(message.from, message.term);
      sim.stats.snapshotsInstalled++;
      return;
    case 'append-resp':
      if (!message.reject) sim.checker.observeAppendAck(message.from, message.term, message.index);
      return;
    case 'timeout-now':
      checkTransfereeCaughtUp(sim, node, message.to, message.term);
      sim.stats.transfers++;
      return;
    default:
  }
}

/**
 * Leadership transfer: TimeoutNow goes out only once the transferee holds the leader's whole
 * log (Raft thesis 3.10), else the transferee campaigns with a shorter log, deposes the
 * leader and may not win.
 */
function checkTransfereeCaughtUp(sim: Simulation, leader: SimNode, to: string, term: number): void {
  const target = sim.node(to);
  if (target.logDisk.read().hardState.term > term) return;
  const last = leader.view.lastIndex();
  const lastTerm = leader.view.termAt(last);
  if (last <= target.view.snapshotIndex() || target.view.termAt(last) === lastTerm) return;
  throw new InvariantViolation(
    'transfer safety',
    `${leader.id} sent TimeoutNow to ${to} in term ${term} while ${to}'s log (last ${target.view.lastIndex()}) lacks its last entry ${last}/${lastTerm}`,
  );
}
