import { createRng, type Rng } from '../../common/rng.js';
import { ConfChangeType, type ConfChange } from '../core/conf-change.js';
import type { NodeId } from '../core/types.js';
import { InvariantViolation } from './invariants.js';
import { clusterSizeMax } from './sim-config.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulator.js';

/** Share of seeds that draw membership changes (the others run as before, draw for draw). */
export const membershipSeedShare = 0.3;
/** Fresh members one seed may add: the simulation runs at most nodeCount + this many nodes. */
export const memberAddsMax = 4;
/** Ticks a fresh member's process may take to start after its AddLearner was proposed. */
const joinDelayMaxTicks = 5;
/** Per-tick chance of a membership operation, one drawn per seed. */
const perTickChoices = [0.02, 0.05, 0.1] as const;
/** Times a planned step (of a replacement) is retried while the leader refuses it, then dropped. */
const planAttemptsMax = 30;

export const memberOps = ['add', 'promote', 'remove-follower', 'remove-leader', 'replace'] as const;
export type MemberOp = (typeof memberOps)[number];
/** Draw weights, in the order of `memberOps`. */
const opWeights = [3, 3, 2, 1, 2] as const;

interface PlannedStep {
  readonly op: 'add' | 'promote';
  attempts: number;
}

/** A seed's membership draws, from their own stream so seeds without them replay unchanged. */
export interface MembershipDraw {
  readonly rng: Rng;
  readonly perTick: number;
  /** The rest of a replacement (add a fresh member, promote it), executed step by step. */
  readonly plan: PlannedStep[];
  adds: number;
  /** The member the latest accepted AddLearner added (a planned promotion targets it). */
  lastAdded: NodeId | null;
}

export function drawMembership(seed: number): MembershipDraw | null {
  const rng = createRng(Math.imul(seed, 0x9e3779b1) ^ 0x6d656d62);
  if (!rng.chance(membershipSeedShare)) return null;
  return { rng, perTick: rng.pick(perTickChoices), plan: [], adds: 0, lastAdded: null };
}

export function describeMembership(draw: MembershipDraw | null): string {
  return draw === null ? 'none' : `${draw.perTick}/tick`;
}

function drawOp(rng: Rng): MemberOp {
  let roll = rng.int(0, opWeights.reduce((a, b) => a + b, 0));
  for (const [i, weight] of opWeights.entries()) {
    if (roll < weight) return memberOps[i] ?? 'add';
    roll -= weight;
  }
  return 'add';
}

/**
 * Fault-phase membership nemesis: now and then, ask a node claiming leadership for one
 * single-server change through RaftNode's own API (add a fresh learner, promote a learner,
 * remove a follower or the leader itself, or start a replacement: remove, add, promote).
 * The leader may refuse (a change in flight, not committed in its term yet, learner behind):
 * that is part of the test. Removed members keep running.
 */
export function membershipTick(sim: Simulation): void {
  const draw = sim.membership;
  if (draw === null || !draw.rng.chance(draw.perTick)) return;
  const leaders = sim.activeNodes().filter((node) => node.isLeader());
  if (leaders.length === 0) return;
  const leader = draw.rng.pick(leaders);
  const planned = draw.plan.shift();
  if (planned !== undefined) {
    const accepted = runOp(sim, draw, leader, planned.op);
    if (!accepted && ++planned.attempts < planAttemptsMax) draw.plan.unshift(planned);
    return;
  }
  const op = drawOp(draw.rng);
  const accepted = runOp(sim, draw, leader, op);
  if (accepted && op === 'replace') draw.plan.push({ op: 'add', attempts: 0 }, { op: 'promote', attempts: 0 });
}

/** Returns whether the leader appended the change. */
function runOp(sim: Simulation, draw: MembershipDraw, leader: SimNode, op: MemberOp): boolean {
  const raft = leader.raft;
  if (raft === null) return false;
  const members = raft.members();
  const others = [...members.voters, ...members.learners].filter((id) => id !== leader.id);
  switch (op) {
    case 'add': {
      if (members.voters.length + members.learners.length >= clusterSizeMax || draw.adds >= memberAddsMax) return false;
      const id = `n${sim.nodes.length + 1}`;
      const accepted = propose(sim, leader, { type: ConfChangeType.AddLearner, node: id, address: `sim:${id}` });
      if (accepted) {
        draw.adds++;
        draw.lastAdded = id;
        sim.addNode(id, members.voters, sim.nowTick + draw.rng.int(0, joinDelayMaxTicks + 1));
      }
      return accepted;
    }
    case 'promote': {
      const learners = members.learners.filter((id) => id !== leader.id);
      const target = draw.lastAdded !== null && learners.includes(draw.lastAdded) ? draw.lastAdded : null;
      if (learners.length === 0) return false;
      const node = target ?? draw.rng.pick(learners);
      const commit = raft.status().commit;
      const accepted = propose(sim, leader, { type: ConfChangeType.Promote, node });
      if (accepted) checkPromotedCaughtUp(sim, leader, sim.node(node), commit);
      return accepted;
    }
    case 'remove-follower':
    case 'replace': {
      const voters = members.voters.filter((id) => id !== leader.id);
      const pool = op === 'replace' ? voters : others;
      if (pool.length === 0) return false;
      return propose(sim, leader, { type: ConfChangeType.Remove, node: draw.rng.pick(pool) });
    }
    case 'remove-leader':
      if (!members.voters.includes(leader.id) || members.voters.length < 2) return false;
      return propose(sim, leader, { type: ConfChangeType.Remove, node: leader.id });
  }
}

/** Propose through the driver; the core appends (or refuses) synchronously, the outcome comes later. */
function propose(sim: Simulation, leader: SimNode, change: ConfChange): boolean {
  const raft = leader.raft;
  if (raft === null) return false;
  const before = raft.status().confIndex;
  const what = `${change.type} ${change.node}`;
  leader.dirty = true;
  raft.proposeConfChange(change).then(
    ({ index }) => sim.record(leader.id, `membership: ${what} committed at ${index}`, null),
    (error: unknown) => sim.record(leader.id, `membership: ${what} failed: ${(error as Error).message}`, null),
  );
  const accepted = raft.status().confIndex !== before;
  if (accepted) {
    sim.checker.noteConfChange();
    sim.stats.confChanges++;
    sim.record(leader.id, `membership: ${what} appended at ${raft.status().confIndex}`, null);
  }
  return accepted;
}

/**
 * A learner is promoted only once it holds everything committed when the promotion is
 * proposed (its acknowledgements say so, and acknowledged entries are durable): else the
 * quorum grows by a member that cannot help form it (raft/core/testdata/conf-add-voter-hazard.txt).
 */
function checkPromotedCaughtUp(sim: Simulation, leader: SimNode, learner: SimNode, commit: number): void {
  const view = learner.durableView;
  if (commit <= view.snapshotIndex() || view.termAt(commit) === leader.view.termAt(commit)) return;
  throw new InvariantViolation(
    'learner caught up',
    `${leader.id} promoted ${learner.id} at commit ${commit}, but ${learner.id}'s durable log ends at ${view.lastIndex()} (snapshot ${view.snapshotIndex()})`,
  );
}
