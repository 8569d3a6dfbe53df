import type { NodeEntry } from './launcher-file.js';
import type { ChildView } from './supervised-child.js';

/**
 * Operations on the launcher's child processes. The launcher implements them directly; the
 * control client implements them over the launcher's loopback control API.
 */
export const PROCESS_OPS = ['kill', 'start', 'restart', 'pause', 'resume'] as const;
export type ProcessOp = (typeof PROCESS_OPS)[number];

export function isProcessOp(value: string): value is ProcessOp {
  return (PROCESS_OPS as readonly string[]).includes(value);
}

export interface ProcessOps {
  processes(): Promise<ChildView[]>;
  /** kill = SIGKILL; restart = SIGTERM (SIGKILL after a grace) then start; pause/resume = SIGSTOP/SIGCONT. */
  act(name: string, op: ProcessOp): Promise<ChildView>;
  /**
   * Membership: start a new node process `id` (fresh data dir, free ports) that joins the running
   * cluster as a learner; the leader still has to add it (`member add`).
   */
  addNode(id: string): Promise<NodeEntry>;
  /**
   * Clock nemesis: SIGKILL node `id` and start it again with its clocks (wall, monotonic, timers)
   * running at `rate` x real time under faketime (libfaketime); rate 1 starts it plain again.
   */
  setClockRate(id: string, rate: number): Promise<ChildView>;
}

/** Clock rates a node may be given (faketime's `x<rate>`): far enough out to break any lease. */
export const CLOCK_RATE_MIN = 0.05;
export const CLOCK_RATE_MAX = 20;

export function checkClockRate(rate: number): number {
  if (!(Number.isFinite(rate) && rate >= CLOCK_RATE_MIN && rate <= CLOCK_RATE_MAX)) {
    throw new ProcessOpError(`clock rate must be a number in ${CLOCK_RATE_MIN}..${CLOCK_RATE_MAX}, got ${rate}`, 409);
  }
  return rate;
}

/** Header carrying the control token (from launcher.json) on every control API request. */
export const CONTROL_TOKEN_HEADER = 'x-launcher-token';

/** An operation the launcher refused: `status` is the control API's answer (404 unknown, 409 wrong state). */
export class ProcessOpError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
    this.name = 'ProcessOpError';
  }
}
