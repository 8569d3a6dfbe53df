import { HttpTarget } from './http-client.js';
import type { GroupRecorder } from './recorder.js';
import type { GroupSpec } from './types.js';
import type { StepSource } from './workload.js';

/**
 * After a network error a virtual user pauses this long, so a dead target is not hot-spun; each
 * further error in a row doubles the pause up to ERROR_PAUSE_MS_MAX, and an answer resets it.
 * (A fixed 5 ms pause made 30,000 refused connects per failover run, on the cores the cluster
 * needed to elect and catch up.)
 */
export const ERROR_PAUSE_MS = 5;
export const ERROR_PAUSE_MS_MAX = 80;

/** The pause after `errorsInRow` (>= 1) consecutive network errors. */
export function errorPauseMs(errorsInRow: number): number {
  return Math.min(ERROR_PAUSE_MS_MAX, ERROR_PAUSE_MS * 2 ** (errorsInRow - 1));
}

/** Stops a run at its deadline, its request count or an abort, whichever comes first. */
export class RunBudget {
  private sentCount = 0;

  constructor(
    private readonly deadlineMs: number,
    private readonly requestsMax: number,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly stop: AbortSignal | null = null,
  ) {}

  /** Claim one request; false once the run is over. */
  take(): boolean {
    if (this.sentCount >= this.requestsMax || this.nowMs() >= this.deadlineMs || this.stop?.aborted === true) return false;
    this.sentCount++;
    return true;
  }

  get sent(): number {
    return this.sentCount;
  }
}

/** Pools for the group's origins; connections are split evenly (rounded up) across them. */
export function openTargets(group: GroupSpec, requestTimeoutMs: number): HttpTarget[] {
  const perOrigin = Math.ceil(group.connections / group.origins.length);
  return group.origins.map((origin) => new HttpTarget(origin, perOrigin, requestTimeoutMs));
}

export const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * Closed loop: `connections` virtual users, each sending its next request as soon as the
 * previous one finished. Latency = response time of each request.
 */
export async function runClosedLoop(
  group: GroupSpec,
  targets: HttpTarget[],
  sources: StepSource[],
  budget: RunBudget,
  recorder: GroupRecorder,
): Promise<void> {
  const users = Array.from({ length: group.connections }, (_, i) => {
    const originIndex = i % targets.length;
    const target = targets[originIndex];
    const source = sources[i];
    if (target === undefined || source === undefined) throw new Error(`closed loop: no target/source for user ${i}`);
    return runUser(target, originIndex, source, budget, recorder);
  });
  await Promise.all(users);
}

async function runUser(
  target: HttpTarget,
  originIndex: number,
  source: StepSource,
  budget: RunBudget,
  recorder: GroupRecorder,
): Promise<void> {
  let errorsInRow = 0;
  for (;;) {
    for (const req of source.next()) {
      if (!budget.take()) return;
      recorder.sent(req.tag);
      const sentAtMs = epochMs();
      const t0 = performance.now();
      const outcome = await target.send(req);
      const latencyMs = performance.now() - t0;
      if ('status' in outcome) {
        errorsInRow = 0;
        recorder.completed(req.tag, outcome.status, latencyMs, originIndex, sentAtMs, sentAtMs + latencyMs);
      } else {
        errorsInRow += 1;
        recorder.failed(req.tag, outcome.error);
        await sleep(errorPauseMs(errorsInRow));
        break; // a session does not trade after a failed lookup
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
