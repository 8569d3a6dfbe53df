import { createRng } from '../../common/rng.js';
import { openTargets, runClosedLoop, RunBudget } from './closed-loop.js';
import { CpuMeter } from './cpu.js';
import { loopbackOrigin } from './loopback.js';
import { runOpenLoop } from './open-loop.js';
import { GroupRecorder, TimelineSink } from './recorder.js';
import { LoadMode, type GroupResult, type GroupSpec, type LoadResult, type LoadSpec } from './types.js';
import { StepSource, validateWorkload } from './workload.js';

/** Hard bounds of one run, whatever the caller asks. */
export const RUN_DURATION_MAX_MS = 30 * 60_000;
export const REQUESTS_MAX_LIMIT = 100_000_000;
export const CONNECTIONS_MAX = 20_000;
export const TIMELINE_MAX_LIMIT = 1_200_000;

export function validateLoadSpec(spec: LoadSpec): void {
  const intIn = (name: string, v: number, lo: number, hi: number): void => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${name} must be an integer in ${lo}..${hi}, got ${v}`);
  };
  intIn('durationMs', spec.durationMs, 1, RUN_DURATION_MAX_MS);
  intIn('requestsMax', spec.requestsMax, 1, REQUESTS_MAX_LIMIT);
  intIn('requestTimeoutMs', spec.requestTimeoutMs, 1, 600_000);
  intIn('seed', spec.seed, 0, 2 ** 32 - 1);
  intIn('timelineMax', spec.timelineMax, 0, TIMELINE_MAX_LIMIT);
  if (spec.groups.length === 0) throw new Error('a load spec needs at least one group');
  const names = new Set<string>();
  for (const g of spec.groups) {
    if (names.has(g.name)) throw new Error(`duplicate group name "${g.name}"`);
    names.add(g.name);
    validateGroup(g);
  }
}

function validateGroup(g: GroupSpec): void {
  const where = `group "${g.name}"`;
  if (g.origins.length === 0) throw new Error(`${where}: needs at least one origin`);
  g.origins.forEach((o) => loopbackOrigin(o, `${where} origin`));
  if (!Number.isInteger(g.connections) || g.connections < 1 || g.connections > CONNECTIONS_MAX) {
    throw new Error(`${where}: connections must be an integer in 1..${CONNECTIONS_MAX}, got ${g.connections}`);
  }
  validateWorkload(g.workload);
  if (g.mode === LoadMode.Open) {
    if (g.ratePerSec === undefined || !(g.ratePerSec > 0)) throw new Error(`${where}: open loop needs ratePerSec > 0`);
    if (g.outstandingMax === undefined || !Number.isInteger(g.outstandingMax) || g.outstandingMax < 1) {
      throw new Error(`${where}: open loop needs an integer outstandingMax >= 1`);
    }
    if (g.workload.kind !== 'pick') throw new Error(`${where}: open loop supports only "pick" workloads`);
  }
}

/** Run all groups of a spec in parallel in this process and summarize; `stop` ends the run early. */
export async function runLoad(spec: LoadSpec, stop: AbortSignal | null = null): Promise<LoadResult> {
  validateLoadSpec(spec);
  const startedAtMs = Date.now();
  const timeline = new TimelineSink(spec.timelineMax);
  const cpu = new CpuMeter();
  const rng = createRng(spec.seed);
  const groups = await Promise.all(spec.groups.map((g) => runGroup(g, spec, rng.fork(), timeline, stop)));
  return {
    startedAtMs,
    groups,
    generatorCpu: cpu.stop(),
    timeline: timeline.entries,
    timelineDropped: timeline.dropped,
    seed: spec.seed,
  };
}

async function runGroup(g: GroupSpec, spec: LoadSpec, rng: ReturnType<typeof createRng>, timeline: TimelineSink, stop: AbortSignal | null): Promise<GroupResult> {
  const recorder = new GroupRecorder(timeline);
  const targets = openTargets(g, spec.requestTimeoutMs);
  const startMs = performance.now();
  const endMs = startMs + spec.durationMs;
  // Open loop: the schedule ends the run; every intended send inside the window is sent (or counted
  // as dropped), even when the generator wakes after the window closed.
  const budget = new RunBudget(g.mode === LoadMode.Open ? Number.POSITIVE_INFINITY : endMs, spec.requestsMax, () => performance.now(), stop);
  try {
    if (g.mode === LoadMode.Closed) {
      const sources = Array.from({ length: g.connections }, (_, i) => new StepSource(g.workload, rng.fork(), `${g.name}-${spec.seed}-${i}`));
      await runClosedLoop(g, targets, sources, budget, recorder);
    } else {
      await runOpenLoop(g, targets, new StepSource(g.workload, rng.fork(), `${g.name}-${spec.seed}`), budget, recorder, endMs);
    }
  } finally {
    await Promise.all(targets.map((t) => t.close()));
  }
  const elapsedMs = performance.now() - startMs;
  const total = recorder.totalResult();
  if (total.completed + total.errors !== total.sent) {
    throw new Error(`group "${g.name}": completed ${total.completed} + errors ${total.errors} != sent ${total.sent}`);
  }
  return {
    ...total,
    name: g.name,
    mode: g.mode,
    connections: g.connections,
    ratePerSec: g.ratePerSec ?? null,
    elapsedMs: Math.round(elapsedMs),
    throughputPerSec: Math.round((total.completed / elapsedMs) * 1000),
    okPerSec: Math.round((total.ok / elapsedMs) * 1000),
    byTag: recorder.byTag(),
  };
}
