import type { NodeId } from '../core/types.js';
import { InvariantViolation } from './invariants.js';
import type { Incarnation, SimNode } from './sim-node.js';
import type { EntrySignature } from './sim-state-machine.js';
import type { Simulation } from './simulator.js';

export interface AckedProposal {
  readonly index: number;
  readonly signature: EntrySignature;
}

interface OpenRead {
  readonly node: NodeId;
  readonly incarnation: Incarnation;
  readonly issuedTick: number;
}

const encoder = new TextEncoder();
/** Random padding on payloads, so byte-bounded batching is exercised. */
const payloadPaddingMaxBytes = 48;

/**
 * The clients, through RaftNode's own API: propose random payloads to whoever claims
 * leadership, read (ReadIndex or lease) anywhere, ask for leadership transfers. Records
 * acknowledged writes, checks every read, and keeps open reads for the liveness bound.
 */
export class SimClient {
  readonly acked: AckedProposal[] = [];
  ackedMaxIndex = 0;
  private proposalSeq = 0;
  private readSeq = 0;
  private readonly open = new Map<string, OpenRead>();

  constructor(private readonly sim: Simulation) {}

  propose(node: SimNode): void {
    const raft = node.raft;
    if (raft === null) return;
    node.dirty = true;
    const payload = `p${++this.proposalSeq}.${'x'.repeat(this.sim.rng.int(0, payloadPaddingMaxBytes + 1))}`;
    this.sim.record(node.id, `propose ${payload}`, null);
    raft.propose(encoder.encode(payload)).then(
      (outcome) => {
        const expected = `${outcome.term}|normal|${payload}`;
        if (outcome.result !== expected) {
          this.sim.fail(new InvariantViolation('log matching', `${node.id} acknowledged ${payload} at ${outcome.index}/${outcome.term} but applied [${outcome.result}]`));
          return;
        }
        this.acked.push({ index: outcome.index, signature: expected });
        this.ackedMaxIndex = Math.max(this.ackedMaxIndex, outcome.index);
        this.sim.stats.proposalsAcked++;
        this.sim.record(node.id, `ack ${payload} at ${outcome.index}/${outcome.term}`, null);
      },
      (error: unknown) => this.sim.record(node.id, `propose ${payload} failed: ${(error as Error).message}`, null),
    );
  }

  read(node: SimNode): void {
    const raft = node.raft;
    if (raft === null) return;
    node.dirty = true;
    const id = `r${++this.readSeq}`;
    const requiredIndex = this.ackedMaxIndex;
    this.open.set(id, { node: node.id, incarnation: node.incarnation, issuedTick: this.sim.nowTick });
    this.sim.stats.readsIssued++;
    this.sim.record(node.id, `read ${id} issued (acked writes up to ${requiredIndex})`, null);
    raft.readIndex().then(
      (index) => {
        this.open.delete(id);
        this.sim.stats.readsServed++;
        this.sim.record(node.id, `read ${id} served at ${index}`, null);
        if (index < requiredIndex) {
          this.sim.fail(
            new InvariantViolation('linearizable read', `${node.id} answered read ${id} at index ${index}, but a write at ${requiredIndex} was acknowledged before it was issued`),
          );
        }
      },
      (error: unknown) => {
        this.open.delete(id);
        this.sim.record(node.id, `read ${id} failed: ${(error as Error).message}`, null);
      },
    );
  }

  transfer(node: SimNode, to: NodeId): void {
    const raft = node.raft;
    if (raft === null) return;
    node.dirty = true;
    try {
      raft.transferLeadership(to);
      this.sim.record(node.id, `transfer to ${to}: started`, null);
    } catch (error) {
      this.sim.record(node.id, `transfer to ${to}: ${(error as Error).message}`, null);
    }
  }

  /** A crash: the node's open requests will never be answered (their outcome is unknown). */
  forget(node: SimNode): void {
    for (const [id, read] of this.open) if (read.node === node.id) this.open.delete(id);
  }

  openReads(): number {
    return this.open.size;
  }

  /** Reads on live incarnations still open `boundTicks` after they were issued or after `floorTick`, whichever is later. */
  overdueReads(nowTick: number, floorTick: number, boundTicks: number): string[] {
    const overdue: string[] = [];
    for (const [id, read] of this.open) {
      if (read.incarnation.alive && Math.max(read.issuedTick, floorTick) + boundTicks < nowTick) {
        overdue.push(`${id}@${read.node} (issued t${read.issuedTick})`);
      }
    }
    return overdue;
  }
}
