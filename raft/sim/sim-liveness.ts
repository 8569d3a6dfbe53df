import { InvariantViolation } from './invariants.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulator.js';

/** Consecutive ticks the cluster must stay converged before the run counts as quiet. */
const quietTicksRequired = 5;

/**
 * Heal everything, stop faults, and run until quiet: a leader must appear within
 * `leaderWithinTicks`, every node must apply the leader's whole log within
 * `convergeWithinTicks`, and then all applied lists must be identical and hold every
 * acknowledged proposal. Invariants are still checked after every event.
 */
export function runLivenessPhase(sim: Simulation): void {
  sim.network.heal();
  for (const node of sim.nodes) node.pausedUntilTick = -1;
  for (const node of sim.nodes) if (!node.isUp()) sim.restartNode(node);
  sim.record('-', 'liveness phase: healed, resumed, restarted; faults off', null);
  sim.checkAll();
  let leaderSeen = false;
  let quietTicks = 0;
  for (let tick = 1; tick <= sim.options.convergeWithinTicks; tick++) {
    deliverAllDue(sim);
    sim.stepNo++;
    sim.advanceTick(false);
    sim.checkAll();
    const leader = currentLeader(sim);
    leaderSeen ||= leader !== null;
    if (!leaderSeen && tick >= sim.options.leaderWithinTicks) {
      throw new InvariantViolation('liveness', `no leader ${tick} ticks after healing: ${describeCluster(sim)}`);
    }
    quietTicks = leader !== null && isConverged(leader, sim.nodes) ? quietTicks + 1 : 0;
    if (quietTicks >= quietTicksRequired) return checkConvergence(sim);
  }
  throw new InvariantViolation('liveness', `not converged ${sim.options.convergeWithinTicks} ticks after healing: ${describeCluster(sim)}`);
}

function deliverAllDue(sim: Simulation): void {
  for (;;) {
    const item = sim.network.takeDue(sim.nowTick, sim.canReceive);
    if (item === null) return;
    sim.stepNo++;
    sim.deliver(item);
    sim.checkAll();
  }
}

function currentLeader(sim: Simulation): SimNode | null {
  let best: SimNode | null = null;
  let bestTerm = -1;
  for (const node of sim.nodes) {
    const status = node.core?.status();
    if (status?.role === 'leader' && status.term > bestTerm) {
      best = node;
      bestTerm = status.term;
    }
  }
  return best;
}

/** Every node applied the leader's whole log, and the leader's last entry is of its own term. */
function isConverged(leader: SimNode, nodes: readonly SimNode[]): boolean {
  const status = leader.core?.status();
  if (status === undefined || leader.store.termAt(status.lastIndex) !== status.term) return false;
  return nodes.every((node) => node.core !== null && node.sm.appliedIndex() === status.lastIndex);
}

function checkConvergence(sim: Simulation): void {
  const reference = sim.nodes[0];
  if (reference === undefined) return;
  const expected = reference.sm.list();
  for (const node of sim.nodes) {
    const list = node.sm.list();
    for (let i = 0; i < Math.max(list.length, expected.length); i++) {
      if (list[i] !== expected[i]) {
        throw new InvariantViolation('convergence', `${node.id} applied [${list[i] ?? 'nothing'}] at ${i + 1}, ${reference.id} applied [${expected[i] ?? 'nothing'}]`);
      }
    }
  }
  for (const acked of sim.client.acked) {
    const applied = reference.sm.at(acked.index);
    if (applied !== acked.signature) {
      throw new InvariantViolation('durability', `acknowledged write [${acked.signature}] at ${acked.index} is [${applied ?? 'missing'}] after healing`);
    }
  }
  sim.record('-', `converged: ${expected.length} entries applied on every node, ${sim.client.acked.length} acknowledged writes present`, null);
}

function describeCluster(sim: Simulation): string {
  return sim.nodes
    .map((node) => {
      const status = node.core?.status();
      if (status === undefined) return `${node.id}=down`;
      return `${node.id}=${status.role}/t${status.term}/commit ${status.commit}/last ${status.lastIndex}/applied ${node.sm.appliedIndex()}`;
    })
    .join(' ');
}
