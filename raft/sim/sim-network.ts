import type { Rng } from '../../common/rng.js';
import type { Message, NodeId } from '../core/types.js';
import type { FaultProfile } from './fault-profile.js';

export interface InFlight {
  readonly message: Message;
  /** Incarnation of the sender when it sent (failure reports go to that incarnation only). */
  readonly fromIncarnation: number;
  readonly deliverAtTick: number;
}

/** Most messages the network holds; beyond it new messages are dropped (a full socket buffer). */
export const networkInFlightMax = 4096;

/**
 * The seeded network: per-message drop, duplicate and delay; delivery picks a random due
 * message (reordering); a partition is a set of cut directed links, checked at delivery.
 */
export class SimNetwork {
  private inFlight: InFlight[] = [];
  private readonly dueScratch: number[] = [];
  private readonly cutLinks = new Set<string>();
  partitionHealAtTick = -1;

  constructor(private readonly rng: Rng) {}

  size(): number {
    return this.inFlight.length;
  }

  /** Returns how many copies went on the wire (0 when dropped). */
  send(message: Message, fromIncarnation: number, nowTick: number, faults: FaultProfile): number {
    if (this.rng.chance(faults.dropProbability)) return 0;
    const copies = this.rng.chance(faults.duplicateProbability) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.inFlight.length >= networkInFlightMax) return i;
      this.inFlight.push({ message, fromIncarnation, deliverAtTick: nowTick + this.delayTicks(faults) });
    }
    return copies;
  }

  /** Remove and return a random message due at `nowTick` whose receiver can take it now. */
  takeDue(nowTick: number, canReceive: (id: NodeId) => boolean): InFlight | null {
    const due = this.dueScratch;
    due.length = 0;
    for (let i = 0; i < this.inFlight.length; i++) {
      const item = this.inFlight[i];
      if (item !== undefined && item.deliverAtTick <= nowTick && canReceive(item.message.to)) due.push(i);
    }
    if (due.length === 0) return null;
    const index = due[this.rng.int(0, due.length)] ?? 0;
    const item = this.inFlight[index] ?? null;
    this.inFlight.splice(index, 1);
    return item;
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cutLinks.has(`${from}>${to}`);
  }

  cut(from: NodeId, to: NodeId): void {
    if (from !== to) this.cutLinks.add(`${from}>${to}`);
  }

  cutLinkCount(): number {
    return this.cutLinks.size;
  }

  describeCuts(): string {
    return [...this.cutLinks].join(' ');
  }

  heal(): void {
    this.cutLinks.clear();
    this.partitionHealAtTick = -1;
  }

  private delayTicks(faults: FaultProfile): number {
    if (this.rng.chance(faults.longDelayProbability)) return this.rng.int(0, faults.longDelayMaxTicks + 1);
    return this.rng.int(0, faults.shortDelayMaxTicks + 1);
  }
}
