import { membershipTick } from './sim-membership.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulator.js';

/**
 * Per-tick fault injection: scheduled heals / resumes / restarts first, then new faults
 * (crash, pause, partition, simultaneous campaigns) and client actions, all from the seed.
 */
export async function nemesisTick(sim: Simulation): Promise<void> {
  await healAndRecover(sim);
  strikeNewLeaders(sim);
  const faults = sim.faults;
  const rng = sim.rng;
  if (rng.chance(faults.crashPerTickProbability)) crashSomeone(sim);
  if (rng.chance(faults.pausePerTickProbability)) pauseSomeone(sim);
  if (sim.network.cutLinkCount() === 0 && rng.chance(faults.partitionPerTickProbability)) partition(sim);
  if (rng.chance(faults.campaignPerTickProbability)) simultaneousCampaign(sim);
  if (rng.chance(faults.proposePerTickProbability)) proposeSomewhere(sim);
  if (rng.chance(faults.readPerTickProbability)) readSomewhere(sim);
  if (rng.chance(faults.transferPerTickProbability)) {
    const leader = pickLeader(sim);
    const voters = leader?.raft?.members().voters ?? [];
    const others = leader === null ? [] : voters.filter((id) => id !== leader.id);
    if (leader !== null && others.length > 0) sim.client.transfer(leader, rng.pick(others));
  }
  membershipTick(sim);
}

async function healAndRecover(sim: Simulation): Promise<void> {
  const now = sim.nowTick;
  if (sim.network.partitionHealAtTick >= 0 && now >= sim.network.partitionHealAtTick) {
    sim.network.heal();
    sim.record('-', 'partition healed', null);
  }
  for (const node of sim.nodes) {
    if (node.pausedUntilTick >= 0 && node.pausedUntilTick <= now) resume(sim, node);
    if (!node.isUp() && node.restartAtTick >= 0 && node.restartAtTick <= now) await sim.restartNode(node);
  }
}

/** A paused node wakes up with a backlog; clients may hit it before it hears the news. */
function resume(sim: Simulation, node: SimNode): void {
  node.pausedUntilTick = -1;
  sim.record(node.id, 'resumed', null);
  const stillLeader = node.isLeader();
  if (node.isUp() && (stillLeader || sim.rng.chance(0.3))) sim.client.read(node);
  if (stillLeader && sim.rng.chance(0.5)) sim.client.propose(node);
}

/** Crash or cut off a freshly elected leader (its first entries reach few or no followers). */
function strikeNewLeaders(sim: Simulation): void {
  for (const [id, strike] of sim.leaderStrikes) {
    if (strike.tick > sim.nowTick) continue;
    sim.leaderStrikes.delete(id);
    const node = sim.node(id);
    if (node.incarnation.number !== strike.incarnation || !node.isLeader()) continue;
    if (sim.network.cutLinkCount() === 0 && sim.rng.chance(0.5)) {
      const keep = sim.nodes.filter((other) => other !== node && sim.rng.chance(0.3)).map((other) => other.id);
      for (const other of sim.nodes) {
        if (other === node || keep.includes(other.id)) continue;
        sim.network.cut(node.id, other.id);
        sim.network.cut(other.id, node.id);
      }
      sim.network.partitionHealAtTick = sim.nowTick + sim.rng.int(5, Math.max(6, sim.faults.partitionMaxTicks + 1));
      sim.stats.partitions++;
      sim.record(node.id, `new leader cut off until t${sim.network.partitionHealAtTick}: ${sim.network.describeCuts()}`, null);
    } else if (sim.nodes.filter((other) => other.isUp()).length > 1) {
      sim.crashNode(node, 'new leader crashed');
    }
  }
}

export function pickLeader(sim: Simulation): SimNode | null {
  const leaders = sim.activeNodes().filter((node) => node.isLeader());
  return leaders.length === 0 ? null : sim.rng.pick(leaders);
}

function pickVictim(sim: Simulation, candidates: readonly SimNode[]): SimNode | null {
  if (candidates.length === 0) return null;
  const leader = candidates.find((node) => node.isLeader());
  if (leader !== undefined && sim.rng.chance(0.4)) return leader;
  return sim.rng.pick(candidates);
}

function crashSomeone(sim: Simulation): void {
  const up = sim.nodes.filter((node) => node.isUp());
  if (up.length === 0 || (up.length === 1 && sim.nodes.length > 1)) return;
  const victim = pickVictim(sim, up);
  if (victim !== null) sim.crashNode(victim, 'crash');
}

function pauseSomeone(sim: Simulation): void {
  const victim = pickVictim(sim, sim.activeNodes());
  if (victim === null) return;
  victim.pausedUntilTick = sim.nowTick + sim.rng.int(5, Math.max(6, sim.faults.pauseMaxTicks + 1));
  sim.stats.pauses++;
  sim.record(victim.id, `paused until t${victim.pausedUntilTick}`, null);
}

/** Partitions of any shape: random split, isolated (leader) node, one-way cuts. */
function partition(sim: Simulation): void {
  const rng = sim.rng;
  const ids = sim.nodes.map((node) => node.id);
  const shape = rng.int(0, 4);
  const cutBoth = (a: string, b: string): void => {
    sim.network.cut(a, b);
    sim.network.cut(b, a);
  };
  if (shape === 0) {
    const side = ids.filter(() => rng.chance(0.5));
    for (const a of side) for (const b of ids) if (!side.includes(b)) cutBoth(a, b);
  } else if (shape === 1 || shape === 2) {
    const target = pickLeader(sim)?.id ?? rng.pick(ids);
    const inbound = shape === 1 || rng.chance(0.5);
    const outbound = shape === 1 || !inbound;
    for (const other of ids) {
      if (inbound) sim.network.cut(other, target);
      if (outbound) sim.network.cut(target, other);
    }
  } else {
    const cuts = rng.int(1, ids.length + 1);
    for (let i = 0; i < cuts; i++) sim.network.cut(rng.pick(ids), rng.pick(ids));
  }
  if (sim.network.cutLinkCount() === 0) return;
  sim.network.partitionHealAtTick = sim.nowTick + rng.int(5, Math.max(6, sim.faults.partitionMaxTicks + 1));
  sim.stats.partitions++;
  sim.record('-', `partition until t${sim.network.partitionHealAtTick}: ${sim.network.describeCuts()}`, null);
}

function simultaneousCampaign(sim: Simulation): void {
  const active = sim.activeNodes();
  if (active.length < 2) return;
  const first = sim.rng.pick(active);
  const second = sim.rng.pick(active.filter((node) => node !== first));
  for (const node of [first, second]) {
    sim.record(node.id, 'campaign', null);
    node.dirty = true;
    node.raft?.campaign();
  }
}

/** Half the reads go to a node claiming leadership (possibly a deposed one that does not know yet). */
function readSomewhere(sim: Simulation): void {
  const leader = sim.rng.chance(0.5) ? pickLeader(sim) : null;
  if (leader !== null) return sim.client.read(leader);
  const active = sim.activeNodes();
  if (active.length > 0) sim.client.read(sim.rng.pick(active));
}

function proposeSomewhere(sim: Simulation): void {
  const leader = pickLeader(sim);
  if (leader !== null && !sim.rng.chance(0.05)) return sim.client.propose(leader);
  const active = sim.activeNodes();
  if (active.length > 0) sim.client.propose(sim.rng.pick(active));
}
