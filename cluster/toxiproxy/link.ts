import type { Socket } from 'node:net';
import type { Rng } from '../../common/rng.js';
import type { ToxicSpec } from './toxic-spec.js';
import { createNoopStage } from './toxics/noop.js';
import type { StageOutlet, StageState, ToxicStage } from './toxics/toxic-stage.js';

export interface LinkHooks {
  /** The link's output ended: close the connection gracefully. */
  onEnd(): void;
  /** A toxic asked for a reset: reset the connection. */
  onReset(): void;
}

interface Slot {
  readonly name: string;
  readonly closesLinkOnRemove: boolean;
  readonly state: StageState;
  stage: ToxicStage;
}

/**
 * One direction of one proxied connection: source socket -> chain of toxic stages -> dest
 * socket. Toxics can be added, updated and removed while data flows (new ones go last, like
 * real Toxiproxy). Without toxics each chunk is written straight to the destination. Reading
 * pauses while more than `bufferBytesMax` bytes are in the chain or the destination asks to drain.
 */
export class Link {
  private readonly slots: Slot[] = [];
  private bufferedBytes = 0;
  private waitingDrain = false;
  private paused = false;
  private outputEnded = false;
  private disposed = false;

  constructor(
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly rng: Rng,
    private readonly bufferBytesMax: number,
    private readonly hooks: LinkHooks,
  ) {}

  start(toxics: readonly ToxicSpec[]): void {
    for (const toxic of toxics) this.addToxic(toxic);
    this.source.on('data', (chunk: Buffer) => this.input(chunk));
    this.source.on('end', () => this.inputEnd());
    this.dest.on('drain', () => {
      this.waitingDrain = false;
      this.updateFlow();
    });
  }

  addToxic(spec: ToxicSpec): void {
    const state: StageState = { bytesTransmitted: 0 };
    // The outlet finds the slot lazily: it is only called after the slot is in the chain.
    const slot: Slot = {
      name: spec.name,
      closesLinkOnRemove: spec.definition.closesLinkOnRemove,
      state,
      stage: this.createStage(spec, () => slot, state),
    };
    this.slots.push(slot);
  }

  updateToxic(spec: ToxicSpec): void {
    const slot = this.slots.find((candidate) => candidate.name === spec.name);
    if (slot === undefined) return;
    slot.stage.interrupt();
    slot.stage = this.createStage(spec, () => slot, slot.state);
  }

  removeToxic(name: string): void {
    const slot = this.slots.find((candidate) => candidate.name === name);
    if (slot === undefined) return;
    slot.stage.interrupt();
    if (slot.closesLinkOnRemove) this.endAfter(slot);
    this.slots.splice(this.slots.indexOf(slot), 1);
  }

  /** The connection is closing: stop every timer and deliver nothing more. */
  dispose(): void {
    this.disposed = true;
    for (const slot of this.slots) slot.stage.dispose();
  }

  private createStage(spec: ToxicSpec, slotOf: () => Slot, state: StageState): ToxicStage {
    const outlet: StageOutlet = {
      data: (chunk) => this.dataAfter(slotOf(), chunk),
      end: () => this.endAfter(slotOf()),
      reset: () => this.hooks.onReset(),
      dropped: (bytes) => this.release(bytes),
    };
    // Real Toxiproxy rolls `rand < toxicity` each time a toxic starts on a link.
    if (!(this.rng.float() < spec.toxicity)) return createNoopStage(outlet);
    return spec.definition.create(spec.attributes, outlet, { rng: this.rng, state });
  }

  private input(chunk: Buffer): void {
    if (this.disposed) return;
    if (this.slots.length === 0) {
      // No toxic: straight through (one write, no accounting); pause only while dest drains.
      if (this.outputEnded || this.dest.destroyed) return;
      if (!this.dest.write(chunk)) {
        this.waitingDrain = true;
        this.updateFlow();
      }
      return;
    }
    this.bufferedBytes += chunk.length;
    this.updateFlow();
    this.dataAt(0, chunk);
  }

  private inputEnd(): void {
    if (this.disposed) return;
    this.endAt(0);
  }

  private dataAfter(slot: Slot, chunk: Buffer): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.disposed) {
      this.release(chunk.length);
      return;
    }
    this.dataAt(index + 1, chunk);
  }

  private endAfter(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.disposed) return;
    this.endAt(index + 1);
  }

  private dataAt(index: number, chunk: Buffer): void {
    const next = this.slots[index];
    if (next !== undefined) {
      next.stage.data(chunk);
      return;
    }
    if (this.outputEnded || this.dest.destroyed) {
      this.release(chunk.length);
      return;
    }
    if (!this.dest.write(chunk)) this.waitingDrain = true;
    this.release(chunk.length);
  }

  private endAt(index: number): void {
    const next = this.slots[index];
    if (next !== undefined) {
      next.stage.end();
      return;
    }
    if (this.outputEnded) return;
    this.outputEnded = true;
    this.hooks.onEnd();
  }

  private release(bytes: number): void {
    this.bufferedBytes -= bytes;
    if (this.bufferedBytes < 0) throw new Error(`link buffer accounting went negative (${this.bufferedBytes})`);
    this.updateFlow();
  }

  private updateFlow(): void {
    const shouldPause = this.waitingDrain || this.bufferedBytes > this.bufferBytesMax;
    if (shouldPause && !this.paused) {
      this.paused = true;
      this.source.pause();
    } else if (!shouldPause && this.paused) {
      this.paused = false;
      this.source.resume();
    }
  }
}
