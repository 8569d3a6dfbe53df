import type { Rng } from '../../../common/rng.js';

/** Where a stage sends its output: the next stage of the link, or the destination socket. */
export interface StageOutlet {
  /** Pass a chunk on. */
  data(chunk: Buffer): void;
  /** Close the link's output gracefully (FIN after flushing what was written). */
  end(): void;
  /** Reset the connection (TCP RST on both sides). */
  reset(): void;
  /** Bytes this stage discarded (releases the link's buffer accounting). */
  dropped(bytes: number): void;
}

/** Per link, per toxic state that survives toxic updates (like Go's StatefulToxic). */
export interface StageState {
  bytesTransmitted: number;
}

export interface StageContext {
  readonly rng: Rng;
  readonly state: StageState;
}

/** One toxic applied to one direction of one connection. */
export interface ToxicStage {
  /** A chunk from the previous stage. */
  data(chunk: Buffer): void;
  /** The previous stage ended (source EOF). */
  end(): void;
  /** The toxic is removed or updated: hand pending data on at once and stop all timers. */
  interrupt(): void;
  /** The connection is gone: stop all timers, drop pending data silently. */
  dispose(): void;
}

/** Toxic attributes are all non-negative integers (milliseconds, bytes or KB/s). */
export type ToxicAttributes = Readonly<Record<string, number>>;

export interface ToxicDefinition {
  readonly type: string;
  /** Attribute names with their zero values, in the order real Toxiproxy prints them. */
  readonly attributeNames: readonly string[];
  /** Removing the toxic closes the links it sat on (real Toxiproxy's timeout Cleanup). */
  readonly closesLinkOnRemove: boolean;
  create(attributes: ToxicAttributes, outlet: StageOutlet, context: StageContext): ToxicStage;
}

/** Reads an attribute that parsing guaranteed to exist. */
export function attribute(attributes: ToxicAttributes, name: string): number {
  const value = attributes[name];
  if (value === undefined) throw new Error(`toxic attribute ${name} missing after validation`);
  return value;
}
