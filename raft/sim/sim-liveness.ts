import { InvariantViolation } from './invariants.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulator.js';

/** Consecutive ticks the cluster must stay converged before the run counts as quiet. */
const quietTicksRequired = 5;
/** Ticks of message delay the bounds below allow on top of Raft's own timeouts. */
const slackTicks = 3;

/**
 * The healed phase: heal everything (optionally after a whole-cluster power loss and restart),
 * stop faults, then require, with invariants still checked after every event:
 *  - a leader within `leaderWithinTicks` (elections end, even when every member drew the same
 *    seed), and every node applying the leader's whole log within `convergeWithinTicks`;
 *  - every read answered or failed within a bound;
 *  - a leadership transfer completing or aborting within an election timeout;
 *  - reads staying linearizable while an operator forces an election (leases must hold votes);
 *  - with CheckQuorum, an isolated leader stepping down within its CheckQuorum bound;
 *  - identical applied logs holding every acknowledged write, durable on a quorum.
 */
export async function runLivenessPhase(sim: Simulation): Promise<void> {
  sim.network.heal();
  for (const node of sim.nodes) node.pausedUntilTick = -1;
  if (sim.harness.wholeClusterPowerLoss) {
    for (const node of sim.nodes) if (node.isUp()) sim.crashNode(node, 'whole-cluster power loss', true, 'power-cut');
  }
  for (const node of sim.nodes) if (!node.isUp()) await sim.restartNode(node);
  sim.record('-', 'liveness phase: healed, resumed, restarted; faults off', null);
  await sim.settle();
  const healedAt = sim.nowTick;
  await converge(sim, 'healing', healedAt);
  await readEverywhere(sim, healedAt);
  await transferLeadership(sim, healedAt);
  await forcedElection(sim, healedAt);
  await isolateLeader(sim, healedAt);
  await removedStayQuiet(sim, healedAt);
  // Converged once more: without PreVote and CheckQuorum a removed member may have started an election since.
  checkConvergence(sim, await converge(sim, 'the probes', healedAt));
  sim.checker.checkDurable(sim.durableViews());
}

/** Reads open longer than this after healing (or after being issued in the healed phase) fail the run. */
function readBoundTicks(sim: Simulation): number {
  const config = sim.nodes[0]?.config;
  return (config?.readTimeoutTicks ?? 30) * 3;
}

/** Deliver everything due, then one tick; reads overdue since healing fail the run. */
async function tickQuietly(sim: Simulation, healedAtTick: number): Promise<void> {
  for (;;) {
    const item = sim.network.takeDue(sim.nowTick, sim.canReceive);
    if (item === null) break;
    sim.stepNo++;
    sim.deliver(item);
    await sim.settle();
  }
  sim.stepNo++;
  await sim.advanceTick(false);
  await sim.settle();
  const overdue = sim.client.overdueReads(sim.nowTick, healedAtTick, readBoundTicks(sim));
  if (overdue.length > 0) {
    throw new InvariantViolation('read liveness', `reads neither answered nor failed within ${readBoundTicks(sim)} ticks in the healed phase: ${overdue.join(', ')}`);
  }
}

/** A leader appears and every member of its configuration applies its whole log. Returns those members. */
async function converge(sim: Simulation, after: string, healedAt: number): Promise<SimNode[]> {
  let leaderSeen = false;
  let quietTicks = 0;
  for (let tick = 1; tick <= sim.options.convergeWithinTicks; tick++) {
    await tickQuietly(sim, healedAt);
    const leader = currentLeader(sim);
    leaderSeen ||= leader !== null;
    if (!leaderSeen && tick >= sim.options.leaderWithinTicks) {
      throw new InvariantViolation('election liveness', `no leader ${tick} ticks after ${after}: ${describeCluster(sim)}`);
    }
    const members = leader === null ? [] : memberNodes(sim, leader);
    quietTicks = leader !== null && isConverged(leader, members) ? quietTicks + 1 : 0;
    if (quietTicks >= quietTicksRequired) return members;
  }
  throw new InvariantViolation('liveness', `not converged ${sim.options.convergeWithinTicks} ticks after ${after}: ${describeCluster(sim)}`);
}

/** A read on every node, each answered or failed within the bound. */
async function readEverywhere(sim: Simulation, healedAt: number): Promise<void> {
  for (const node of sim.nodes) sim.client.read(node);
  await sim.settle();
  for (let tick = 0; tick <= readBoundTicks(sim) + 1 && sim.client.openReads() > 0; tick++) await tickQuietly(sim, healedAt);
}

/** Transfer to a follower right after new proposals (it may lag): done or abandoned within an election timeout. */
async function transferLeadership(sim: Simulation, healedAt: number): Promise<void> {
  const leader = currentLeader(sim);
  const voters = leader === null ? [] : otherVoters(sim, leader);
  if (leader === null || voters.length === 0) return;
  const target = sim.rng.pick(voters);
  const proposals = sim.rng.int(0, 3);
  for (let i = 0; i < proposals; i++) sim.client.propose(leader);
  sim.client.transfer(leader, target.id);
  await sim.settle();
  const bound = leader.config.electionTimeoutTicks + slackTicks;
  for (let tick = 0; tick < bound; tick++) await tickQuietly(sim, healedAt);
  const completed = target.raft?.status().role === 'leader';
  const status = leader.raft?.status();
  const aborted = status?.role === 'leader' && status.transferee === null;
  if (!completed && !aborted) {
    throw new InvariantViolation('transfer liveness', `transfer ${leader.id} -> ${target.id} neither completed nor aborted within ${bound} ticks: ${describeCluster(sim)}`);
  }
  await converge(sim, `the transfer to ${target.id}`, healedAt);
}

/** Ticks the forced-election probe keeps writing and reading. */
const forcedElectionTicks = 12;

/**
 * An operator forces an election on a follower while the leader, deaf to everyone (its own
 * messages still go out), may hold a read lease: for a while every node claiming leadership
 * takes writes, the old leader takes reads, and every read must still cover every write
 * acknowledged before it (members that heard the leader must refuse Votes, not only PreVotes,
 * while its lease may hold). Then the cluster heals and must converge again.
 */
async function forcedElection(sim: Simulation, healedAt: number): Promise<void> {
  const leader = currentLeader(sim);
  const voters = leader === null ? [] : otherVoters(sim, leader);
  if (leader === null || voters.length < 2) return;
  const follower = sim.rng.pick(voters);
  // The leader's heartbeats still go out, nothing reaches it: it keeps its lease until it expires.
  for (const other of sim.nodes) sim.network.cut(other.id, leader.id);
  sim.record(follower.id, `forced campaign; every link into ${leader.id} cut`, null);
  follower.dirty = true;
  follower.raft?.campaign();
  await sim.settle();
  for (let tick = 0; tick < forcedElectionTicks; tick++) {
    for (const node of sim.nodes) if (node.isLeader()) sim.client.propose(node);
    sim.client.read(leader);
    await sim.settle();
    await tickQuietly(sim, healedAt);
  }
  sim.network.heal();
  await converge(sim, `the forced campaign of ${follower.id}`, healedAt);
}

/** With CheckQuorum, a leader cut off from everyone steps down within two election timeouts. */
async function isolateLeader(sim: Simulation, healedAt: number): Promise<void> {
  const leader = currentLeader(sim);
  if (leader === null || otherVoters(sim, leader).length === 0 || !leader.config.checkQuorum) return;
  for (const other of sim.nodes) {
    sim.network.cut(leader.id, other.id);
    sim.network.cut(other.id, leader.id);
  }
  sim.record(leader.id, 'leader isolated', null);
  const bound = 2 * leader.config.electionTimeoutTicks + slackTicks;
  let tick = 0;
  for (; tick < bound && leader.isLeader(); tick++) await tickQuietly(sim, healedAt);
  if (leader.isLeader()) {
    throw new InvariantViolation('check-quorum liveness', `${leader.id} still leads ${bound} ticks after being cut off from every peer`);
  }
  sim.network.heal();
  sim.record('-', `isolated leader stepped down after ${tick} ticks; healed`, null);
  await converge(sim, 'the isolated leader came back', healedAt);
}

/**
 * Removed members keep running and may time out and campaign, but with PreVote or CheckQuorum
 * they must not disrupt: for two election timeouts after convergence, with at least one removed
 * member up, the leader keeps its term.
 */
async function removedStayQuiet(sim: Simulation, healedAt: number): Promise<void> {
  const leader = currentLeader(sim);
  if (leader === null || !(leader.config.preVote || leader.config.checkQuorum)) return;
  const members = memberNodes(sim, leader);
  const removed = sim.nodes.filter((node) => node.isUp() && !members.includes(node));
  const term = leader.raft?.status().term;
  if (removed.length === 0 || term === undefined) return;
  const ticks = 2 * leader.config.electionTimeoutTicks;
  for (let tick = 0; tick < ticks; tick++) await tickQuietly(sim, healedAt);
  const now = leader.raft?.status();
  if (now?.role !== 'leader' || now.term !== term) {
    throw new InvariantViolation(
      'removed member disrupts',
      `${leader.id} led term ${term}; ${ticks} ticks later with removed members ${removed.map((n) => n.id).join(' ')} running: ${describeCluster(sim)}`,
    );
  }
}

function currentLeader(sim: Simulation): SimNode | null {
  let best: SimNode | null = null;
  let bestTerm = -1;
  for (const node of sim.nodes) {
    const status = node.isLeader() ? node.raft?.status() : undefined;
    if (status?.role === 'leader' && status.term > bestTerm) {
      best = node;
      bestTerm = status.term;
    }
  }
  return best;
}

/** Every node applied the leader's whole log, and the leader's last entry is of its own term. */
function isConverged(leader: SimNode, nodes: readonly SimNode[]): boolean {
  const status = leader.raft?.status();
  if (status === undefined || leader.view.termAt(status.lastIndex) !== status.term) return false;
  return nodes.every((node) => node.isIdle() && node.appliedList().length === status.lastIndex);
}

/** The members (voters and learners) of `leader`'s configuration, leader included. */
function memberNodes(sim: Simulation, leader: SimNode): SimNode[] {
  const members = leader.raft?.members();
  if (members === undefined) return sim.nodes;
  return sim.nodes.filter((node) => node === leader || members.voters.includes(node.id) || members.learners.includes(node.id));
}

function otherVoters(sim: Simulation, leader: SimNode): SimNode[] {
  const voters = leader.raft?.members().voters ?? [];
  return sim.nodes.filter((node) => node !== leader && voters.includes(node.id));
}

/**
 * The members of the final configuration hold identical applied logs with every acknowledged
 * write (removed members hold a prefix: state-machine safety checks every application).
 */
function checkConvergence(sim: Simulation, members: readonly SimNode[]): void {
  const reference = members[0];
  if (reference === undefined) return;
  const expected = reference.appliedList();
  for (const node of members) {
    const list = node.appliedList();
    for (let i = 0; i < Math.max(list.length, expected.length); i++) {
      if (list[i] !== expected[i]) {
        throw new InvariantViolation('convergence', `${node.id} applied [${list[i] ?? 'nothing'}] at ${i + 1}, ${reference.id} applied [${expected[i] ?? 'nothing'}]`);
      }
    }
  }
  for (const acked of sim.client.acked) {
    const applied = expected[acked.index - 1];
    if (applied !== acked.signature) {
      throw new InvariantViolation('durability', `acknowledged write [${acked.signature}] at ${acked.index} is [${applied ?? 'missing'}] after healing`);
    }
  }
  sim.record('-', `converged: ${expected.length} entries applied on every member (${members.map((n) => n.id).join(' ')}), ${sim.client.acked.length} acknowledged writes present`, null);
}

function describeCluster(sim: Simulation): string {
  return sim.nodes
    .map((node) => {
      const status = node.raft?.status();
      if (status === undefined) return `${node.id}=down`;
      return `${node.id}=${status.role}/t${status.term}/commit ${status.commit}/last ${status.lastIndex}/applied ${node.appliedList().length}`;
    })
    .join(' ');
}
