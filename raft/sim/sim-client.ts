import type { NodeId, ReadState } from '../core/types.js';
import { InvariantViolation } from './invariants.js';
import { withCore } from './sim-driver.js';
import type { SimNode } from './sim-node.js';
import type { EntrySignature } from './sim-state-machine.js';
import type { Simulation } from './simulator.js';

export interface AckedProposal {
  readonly index: number;
  readonly signature: EntrySignature;
}

const encoder = new TextEncoder();
/** Random padding on payloads, so byte-bounded batching is exercised. */
const payloadPaddingMaxBytes = 48;

/**
 * The clients: propose random payloads to whoever claims leadership, issue ReadIndex reads
 * anywhere, ask for leadership transfers. Records acknowledged writes and checks reads.
 */
export class SimClient {
  readonly acked: AckedProposal[] = [];
  ackedMaxIndex = 0;
  private proposalSeq = 0;
  private readSeq = 0;

  constructor(private readonly sim: Simulation) {}

  propose(node: SimNode): void {
    const payload = `p${++this.proposalSeq}.${'x'.repeat(this.sim.rng.int(0, payloadPaddingMaxBytes + 1))}`;
    withCore(this.sim, node, (core) => {
      const result = core.propose(encoder.encode(payload));
      if (!result.ok) return this.sim.record(node.id, `propose ${payload} refused: ${result.code}`, null);
      this.sim.record(node.id, `propose ${payload} -> ${result.index}/${result.term}`, null);
      node.pendingProposals.set(result.index, { term: result.term, payload, step: this.sim.stepNo });
    });
  }

  read(node: SimNode): void {
    const context = `r${++this.readSeq}`;
    node.pendingReads.set(context, { requiredIndex: this.ackedMaxIndex, step: this.sim.stepNo });
    this.sim.stats.readsIssued++;
    this.sim.record(node.id, `read ${context} issued (acked writes up to ${this.ackedMaxIndex})`, null);
    withCore(this.sim, node, (core) => core.readIndex(context));
  }

  transfer(node: SimNode, to: NodeId): void {
    withCore(this.sim, node, (core) => {
      const result = core.transferLeadership(to);
      this.sim.record(node.id, `transfer to ${to}: ${result.ok ? 'started' : result.code}`, null);
    });
  }

  /** The node applied `signature` at `index`: acknowledge the proposal made there, if any. */
  resolveProposal(node: SimNode, index: number, signature: EntrySignature): void {
    const pending = node.pendingProposals.get(index);
    if (pending === undefined) return;
    node.pendingProposals.delete(index);
    if (signature === `${pending.term}|normal|${pending.payload}`) {
      this.acked.push({ index, signature });
      if (index > this.ackedMaxIndex) this.ackedMaxIndex = index;
      this.sim.stats.proposalsAcked++;
      this.sim.record(node.id, `ack ${pending.payload} at ${index}/${pending.term}`, null);
    } else if (signature.startsWith(`${pending.term}|`)) {
      throw new InvariantViolation(
        'log matching',
        `${node.id} proposed ${pending.payload} at ${index}/${pending.term} but applied [${signature}] with the same term`,
      );
    }
  }

  /** A snapshot jumped the state machine to `index`: resolve every proposal it covers. */
  resolveProposalsUpTo(node: SimNode, index: number): void {
    for (const proposalIndex of [...node.pendingProposals.keys()]) {
      if (proposalIndex > index) continue;
      this.resolveProposal(node, proposalIndex, node.sm.at(proposalIndex) ?? '');
    }
  }

  onReadState(node: SimNode, readState: ReadState): void {
    const pending = node.pendingReads.get(readState.context);
    if (pending === undefined) return;
    this.sim.checker.checkRead(node.id, readState.context, readState.index, pending.requiredIndex);
    node.pendingReads.delete(readState.context);
    node.waitingReads.push(readState);
  }

  onReadFailure(node: SimNode, context: string, reason: string): void {
    if (node.pendingReads.delete(context)) this.sim.record(node.id, `read ${context} failed: ${reason}`, null);
  }

  serveWaitingReads(node: SimNode): void {
    if (node.waitingReads.length === 0) return;
    const applied = node.sm.appliedIndex();
    const still: ReadState[] = [];
    for (const readState of node.waitingReads) {
      if (readState.index <= applied) {
        this.sim.stats.readsServed++;
        this.sim.record(node.id, `read ${readState.context} served at ${readState.index} (applied ${applied})`, null);
      } else still.push(readState);
    }
    node.waitingReads = still;
  }
}
