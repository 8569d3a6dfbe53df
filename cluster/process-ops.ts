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
