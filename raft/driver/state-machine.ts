import type { Entry, Snapshot } from '../core/types.js';

/**
 * The replicated application, as the driver sees it. Apply must be deterministic: the same
 * entries in the same order give the same state and results on every node.
 */
export interface StateMachine<Result = unknown> {
  /**
   * Highest log index whose effects are durably in the state machine's own storage
   * (0 if it keeps none). On restart the driver skips committed entries up to it.
   */
  appliedIndex(): Promise<number>;
  /** Apply committed entries in order (Empty entries included: advance the applied index). One result per entry. */
  apply(entries: readonly Entry[]): Promise<Result[]>;
  /** Serialize the full state as of `appliedIndex()`. */
  snapshot(): Promise<{ index: number; data: Uint8Array }>;
  /** Replace the whole state with a snapshot's. */
  restore(snapshot: Snapshot): Promise<void>;
}
