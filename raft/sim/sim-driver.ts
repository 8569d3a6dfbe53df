import type { RaftCoreApi } from '../core/api.js';
import type { Message, Ready } from '../core/types.js';
import { entrySignature } from './sim-state-machine.js';
import { SimContractError } from './sim-store.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulator.js';

/** Readies one input may produce before the harness calls the core stuck in a loop. */
export const readiesPerDrainMax = 1000;

const CrashPoint = { None: -1, BeforePersist: 0, BeforeSend: 1, BeforeApply: 2 } as const;

/** Run `fn` against the node's core (if up), then drain its Readies like a real driver. */
export function withCore(sim: Simulation, node: SimNode, fn: (core: RaftCoreApi) => void): void {
  const core = node.core;
  if (core === null) return;
  if (node.config.leaseReads) core.setReadLease(node.leaseValid(sim.nowTick));
  fn(core);
  drain(sim, node);
}

export function drain(sim: Simulation, node: SimNode): void {
  for (let count = 0; ; count++) {
    const core = node.core;
    if (core === null || !core.hasReady()) return;
    if (count >= readiesPerDrainMax) throw new SimContractError(`${node.id} produced ${readiesPerDrainMax} Readies for one input`);
    handleReady(sim, node, core);
  }
}

/** Driver order: persist (synced) -> send -> apply -> advance, with crash points in between. */
function handleReady(sim: Simulation, node: SimNode, core: RaftCoreApi): void {
  const ready = core.ready();
  traceReady(sim, node, ready);
  if (ready.softState?.role === 'leader') sim.onNewLeader(node);
  const crashAt = sim.rng.chance(sim.faults.crashMidReadyProbability) ? sim.rng.int(0, 3) : CrashPoint.None;
  if (crashAt === CrashPoint.BeforePersist) return sim.crashNode(node, 'crash before persisting a Ready');
  persist(sim, node, ready);
  if (crashAt === CrashPoint.BeforeSend) return sim.crashNode(node, 'crash after persist, before send');
  const grantedVote = send(sim, node, ready.messages);
  if (crashAt === CrashPoint.BeforeApply) return sim.crashNode(node, 'crash after send, before apply');
  if (grantedVote && sim.rng.chance(sim.faults.crashAfterVoteGrantProbability)) {
    return sim.crashNode(node, 'crash right after granting a vote');
  }
  apply(sim, node, ready);
  core.advance(ready);
  maybeCompact(sim, node, core);
}

function persist(sim: Simulation, node: SimNode, ready: Ready): void {
  if (ready.hardState !== null) sim.checker.observePersistedHardState(node.id, node.store.hardState, ready.hardState);
  node.store.persistReady(ready);
  node.storeVersion++;
  for (const entry of ready.entries) {
    const prevTerm = node.store.termAt(entry.index - 1);
    if (prevTerm !== undefined) {
      sim.checker.observeStoredEntry(node.id, entry.index, entry.term, prevTerm, entrySignature(entry));
    }
  }
}

/** Returns true when the batch grants a vote. */
function send(sim: Simulation, node: SimNode, messages: readonly Message[]): boolean {
  let grantedVote = false;
  for (const message of messages) {
    if (message.type === 'vote-resp' && !message.reject) {
      sim.checker.observeVoteGranted(message.from, message.term, message.to);
      grantedVote = true;
    }
    if (message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot') {
      sim.checker.observeLeader(message.from, message.term);
    }
    if (message.type === 'append-resp' && !message.reject) sim.checker.observeAppendAck(message.from, message.term, message.index);
    const copies = sim.network.send(message, node.incarnation, sim.nowTick, sim.faults);
    sim.record(node.id, copies === 0 ? 'send (dropped)' : copies === 2 ? 'send x2' : 'send', message);
  }
  return grantedVote;
}

function apply(sim: Simulation, node: SimNode, ready: Ready): void {
  if (ready.snapshot !== null) restoreSnapshot(sim, node, ready);
  for (const entry of ready.committedEntries) {
    const expected = node.sm.appliedIndex() + 1;
    if (!node.sm.apply(entry)) throw new SimContractError(`${node.id} was asked to apply ${entry.index}, next is ${expected}`);
    const signature = entrySignature(entry);
    sim.checker.observeApplied(node.id, entry.index, signature);
    sim.client.resolveProposal(node, entry.index, signature);
  }
  for (const readState of ready.readStates) sim.client.onReadState(node, readState);
  for (const failure of ready.readFailures) sim.client.onReadFailure(node, failure.context, failure.reason);
  sim.client.serveWaitingReads(node);
}

function restoreSnapshot(sim: Simulation, node: SimNode, ready: Ready): void {
  const snapshot = ready.snapshot;
  if (snapshot === null) return;
  node.sm.restore(snapshot);
  sim.stats.snapshotsInstalled++;
  const list = node.sm.list();
  for (let i = 0; i < list.length; i++) sim.checker.observeApplied(node.id, i + 1, list[i] ?? '');
  const last = node.sm.at(snapshot.meta.index);
  if (last !== undefined && !last.startsWith(`${snapshot.meta.term}|`)) {
    throw new SimContractError(`snapshot ${snapshot.meta.index}/${snapshot.meta.term} ends with entry [${last}]`);
  }
  sim.client.resolveProposalsUpTo(node, snapshot.meta.index);
}

function maybeCompact(sim: Simulation, node: SimNode, core: RaftCoreApi): void {
  const applied = node.sm.appliedIndex();
  if (applied - node.store.snapshotIndex() <= node.config.snapshotThresholdEntries) return;
  const { snapshot, firstIndex } = core.compact(applied, node.sm.serialize());
  node.store.persistCompaction(snapshot, firstIndex);
  node.storeVersion++;
  sim.stats.compactions++;
  sim.record(node.id, `compact at ${applied}, first index ${firstIndex}`, null);
}

function traceReady(sim: Simulation, node: SimNode, ready: Ready): void {
  const parts: string[] = [];
  if (ready.softState !== null) parts.push(`role=${ready.softState.role} leader=${ready.softState.leader ?? '-'}`);
  if (ready.hardState !== null) {
    parts.push(`hs=term ${ready.hardState.term} vote ${ready.hardState.vote ?? '-'} commit ${ready.hardState.commit}`);
  }
  if (ready.snapshot !== null) parts.push(`snapshot=${ready.snapshot.meta.index}/${ready.snapshot.meta.term}`);
  if (ready.entries.length > 0) parts.push(`entries=${ready.entries.map((e) => `${e.index}/${e.term}`).join(',')}`);
  if (ready.committedEntries.length > 0) {
    const first = ready.committedEntries[0];
    const last = ready.committedEntries[ready.committedEntries.length - 1];
    parts.push(`apply=${first?.index}..${last?.index}`);
  }
  if (ready.readStates.length > 0) parts.push(`reads=${ready.readStates.map((r) => `${r.context}@${r.index}`).join(',')}`);
  if (ready.readFailures.length > 0) parts.push(`readFailures=${ready.readFailures.map((r) => `${r.context}:${r.reason}`).join(',')}`);
  if (parts.length > 0) sim.record(node.id, `ready ${parts.join(' ')}`, null);
}
