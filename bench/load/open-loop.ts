import { epochMs, sleep, type RunBudget } from './closed-loop.js';
import type { HttpTarget } from './http-client.js';
import { OpenLoopSchedule } from './open-loop-schedule.js';
import { OUTSTANDING_CAP_CODE, type GroupRecorder } from './recorder.js';
import type { GroupSpec, RequestSpec } from './types.js';
import type { StepSource } from './workload.js';

/** At most this many due requests are issued per scheduler wake-up before yielding. */
export const DUE_BATCH_MAX = 1000;

/**
 * Open loop at a fixed rate. Request i is intended at start + i / rate; its latency is
 * completion - intended time, so time spent waiting for a free connection (or for a stalled
 * generator) counts against the server instead of hiding (no coordinated omission). Requests
 * beyond `outstandingMax` in flight are not sent and count as errors ("outstanding-cap").
 */
export async function runOpenLoop(
  group: GroupSpec,
  targets: HttpTarget[],
  source: StepSource,
  budget: RunBudget,
  recorder: GroupRecorder,
  endMs: number,
): Promise<void> {
  const { ratePerSec, outstandingMax } = group;
  if (ratePerSec === undefined || outstandingMax === undefined) {
    throw new Error(`open-loop group "${group.name}" needs ratePerSec and outstandingMax`);
  }
  const schedule = new OpenLoopSchedule(performance.now(), ratePerSec, endMs);
  const inFlight = new Set<Promise<void>>();
  let index = 0;
  for (;;) {
    for (const intendedMs of schedule.takeDue(performance.now(), DUE_BATCH_MAX)) {
      if (!budget.take()) return drain(inFlight);
      const req = oneRequest(source);
      const originIndex = index++ % targets.length;
      recorder.sent(req.tag);
      if (inFlight.size >= outstandingMax) {
        recorder.failed(req.tag, OUTSTANDING_CAP_CODE);
        continue;
      }
      const target = targets[originIndex];
      if (target === undefined) throw new Error(`open loop: no target ${originIndex}`);
      const p = sendOne(target, originIndex, req, intendedMs, recorder).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    const nextAt = schedule.nextDueAt();
    if (nextAt === null) return drain(inFlight);
    await sleep(Math.max(0, nextAt - performance.now()));
  }
}

async function sendOne(target: HttpTarget, originIndex: number, req: RequestSpec, intendedMs: number, recorder: GroupRecorder): Promise<void> {
  const intendedEpochMs = epochMs() - (performance.now() - intendedMs);
  const outcome = await target.send(req);
  const doneMs = performance.now();
  if ('status' in outcome) {
    recorder.completed(req.tag, outcome.status, Math.max(0, doneMs - intendedMs), originIndex, intendedEpochMs, intendedEpochMs + (doneMs - intendedMs));
  } else {
    recorder.failed(req.tag, outcome.error);
  }
}

function oneRequest(source: StepSource): RequestSpec {
  const step = source.next();
  const req = step[0];
  if (step.length !== 1 || req === undefined) throw new Error('open loop needs a one-request (pick) workload');
  return req;
}

async function drain(inFlight: Set<Promise<void>>): Promise<void> {
  await Promise.all([...inFlight]);
}
