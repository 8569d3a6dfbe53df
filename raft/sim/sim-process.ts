import type { Message, NodeId } from '../core/types.js';
import { silentLogger } from '../driver/raft-logger.js';
import { RaftNode } from '../driver/raft-node.js';
import type { RaftTransport, TransportHooks } from '../transport/transport.js';
import { InvariantViolation } from './invariants.js';
import { SimLogStorage } from './sim-log-storage.js';
import { SimSnapshotSpool } from './sim-snapshot-spool.js';
import type { Incarnation, SimNode } from './sim-node.js';
import { simTickMs } from './sim-runtime.js';
import { type EntrySignature, type IoGate, type IoPoint, SimStateMachine } from './sim-state-machine.js';
import type { Simulation } from './simulator.js';

/** The harness's own bounds on a simulated driver (the core's come from the drawn config). */
const driverBounds = { maxPendingProposals: 256, maxPendingReads: 64, defaultTimeoutMs: 1_000_000_000 } as const;

const never = (): Promise<void> => new Promise<void>(() => undefined);

/** Transport hooks of each live incarnation, by node id (the simulated network delivers through them). */
export type HookTable = Map<NodeId, { incarnation: Incarnation; hooks: TransportHooks }>;

/** Start a new process on the node's disks: a real RaftNode over SimLogStorage and SimStateMachine. */
export async function startProcess(sim: Simulation, node: SimNode, seed: number): Promise<void> {
  const incarnation: Incarnation & { starting: boolean } = { id: node.id, alive: true, number: node.incarnation.number + 1, starting: true };
  node.incarnation = incarnation;
  node.stalled = [];
  node.restartAtTick = -1;
  node.pausedUntilTick = -1;
  const gate: IoGate = Object.assign((point: IoPoint): Promise<void> | undefined => ioGate(sim, node, incarnation, point), { alive: () => incarnation.alive });
  const machine = new SimStateMachine(node.machineDisk, gate, {
    applied: (index, signature) => sim.checker.observeApplied(node.id, index, signature),
    restored: (list) => list.forEach((signature, i) => sim.checker.observeApplied(node.id, i + 1, signature)),
  });
  const storage = new SimLogStorage(node.logDisk, gate, {
    hardState: (before, after) => sim.checker.observePersistedHardState(node.id, before, after),
    written: (what, entries) => sim.onStored(node, what, entries),
  });
  let raft: RaftNode<EntrySignature>;
  try {
    raft = await RaftNode.start<EntrySignature>({
      id: node.id,
      voters: node.config.voters,
      learners: node.config.learners,
      storage,
      snapshotSpool: new SimSnapshotSpool(node.id, node.spoolDisk, gate),
      runtime: sim.scheduler.runtimeFor(incarnation),
      transport: transportFor(sim, node, incarnation),
      stateMachine: machine,
      raft: sim.raftOverrides,
      tickMs: simTickMs,
      seed,
      logger: silentLogger,
      onFatal: (error) => sim.onFatal(node, incarnation, error),
      ...driverBounds,
    });
  } catch (error) {
    throw new InvariantViolation('restart', `${node.id} cannot restart from its disks: ${(error as Error).message}`);
  }
  incarnation.starting = false;
  node.dirty = true;
  node.raft = raft;
  node.machine = machine;
  node.role = 'follower';
  raft.on('leader-change', (event) => {
    if (!incarnation.alive) return;
    node.role = event.role;
    if (event.role === 'leader') sim.onNewLeader(node);
  });
}

/**
 * The harness's hand on every await of the driver: crash the process here (the promise never
 * resolves), stall the I/O for a few ticks, or let it through.
 */
function ioGate(sim: Simulation, node: SimNode, incarnation: Incarnation & { starting: boolean }, point: IoPoint): Promise<void> | undefined {
  if (!incarnation.alive) return never();
  if (incarnation.starting) return undefined;
  if (sim.crashesAt(point) && sim.rng.chance(sim.faults.crashMidReadyProbability)) {
    sim.crashNode(node, `crash at ${point}`, undefined, point);
    return never();
  }
  if (!sim.rng.chance(sim.faults.ioStallProbability)) return undefined;
  const dueTick = sim.nowTick + sim.rng.int(1, sim.faults.ioStallMaxTicks + 1);
  return new Promise<void>((resume) => node.stalled.push({ incarnation, dueTick, resume }));
}

function transportFor(sim: Simulation, node: SimNode, incarnation: Incarnation): RaftTransport {
  return {
    start: async (hooks) => {
      sim.hooks.set(node.id, { incarnation, hooks });
    },
    send: (messages: readonly Message[]) => {
      for (const message of messages) {
        if (!incarnation.alive) return;
        if (message !== messages[0] && sim.crashesAt('send:mid') && sim.rng.chance(sim.faults.crashMidReadyProbability)) {
          return sim.crashNode(node, 'crash in the middle of sending a Ready', undefined, 'send:mid');
        }
        sim.onSend(node, message);
        const granted = message.type === 'vote-resp' && !message.reject;
        if (granted && sim.crashesAt('send:vote-granted') && sim.rng.chance(sim.faults.crashAfterVoteGrantProbability)) {
          return sim.crashNode(node, 'crash right after granting a vote', undefined, 'send:vote-granted');
        }
      }
    },
    close: async () => {
      if (sim.hooks.get(node.id)?.incarnation === incarnation) sim.hooks.delete(node.id);
    },
  };
}

/** The process dies: its RaftNode, pending I/O and callbacks are gone; its disks stay. */
export function killProcess(sim: Simulation, node: SimNode): void {
  node.incarnation.alive = false;
  node.raft = null;
  node.role = 'down';
  node.machine = null;
  node.stalled = [];
  if (sim.hooks.get(node.id)?.incarnation === node.incarnation) sim.hooks.delete(node.id);
}

/** Power loss: each disk keeps a random prefix of its unsynced writes. Returns a description. */
export function losePower(sim: Simulation, node: SimNode): string {
  const log = node.logDisk.powerLoss(sim.rng.int(0, node.logDisk.unsyncedWrites() + 1));
  const machine = node.machineDisk.powerLoss(sim.rng.int(0, node.machineDisk.unsyncedWrites() + 1));
  node.spoolDisk.powerLoss(sim.rng.int(0, node.spoolDisk.unsyncedWrites() + 1));
  node.storeVersion++;
  sim.stats.powerLosses++;
  return `power loss: ${log} unsynced log writes and ${machine} state-machine writes lost`;
}
