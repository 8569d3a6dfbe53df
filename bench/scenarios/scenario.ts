import type { ClusterHandle } from '../cluster-handle.js';
import type { ResultRow } from '../load/report.js';
import type { LoadResult, LoadSpec } from '../load/types.js';
import type { BenchOptions } from '../options.js';

export interface ScenarioContext {
  options: BenchOptions;
  cluster: ClusterHandle;
  /** symbols.csv in tier order (hot first). */
  symbols: string[];
  log(message: string): void;
  /** Run a load in the generator's child process; aborting `stop` ends it early. */
  runLoad(spec: LoadSpec, stop?: AbortSignal | null): Promise<LoadResult>;
  /** Milliseconds for each of `phaseCount` measured phases. */
  phaseMs(phaseCount: number): number;
}

export interface ScenarioOutcome {
  rows: ResultRow[];
  /** Skipped parts, caveats, derived figures (printed under the table). */
  notes: string[];
  /** A table of the scenario's own (printed after the result table). */
  markdown?: string;
  /** Scenario-specific figures for the JSON report. */
  details?: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  description: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Base of every LoadSpec a scenario builds. */
export function baseSpec(ctx: ScenarioContext, durationMs: number, requestsMax = 50_000_000): Omit<LoadSpec, 'groups'> {
  return { durationMs, requestsMax, requestTimeoutMs: ctx.options.requestTimeoutMs, seed: ctx.options.seed, timelineMax: 0 };
}

/** Touch every request once or twice (fills caches) before a measured phase; not reported. */
export async function warmUp(ctx: ScenarioContext, origins: string[], requests: LoadSpec['groups'][number]['workload']): Promise<void> {
  const count = requests.kind === 'pick' ? requests.requests.length * 2 : 100;
  await ctx.runLoad({
    ...baseSpec(ctx, 5000, count),
    groups: [{ name: 'warm-up', mode: 'closed', origins, connections: Math.min(8, count), workload: requests }],
  });
}

/**
 * Cache states a scenario can measure: both on a managed cluster (the current state first, so
 * the cluster is restarted once), the declared one when attached.
 */
export function cacheStates(ctx: ScenarioContext, notes: string[]): boolean[] {
  if (ctx.cluster.managed) return ctx.cluster.cacheEnabled === false ? [false, true] : [true, false];
  const declared = ctx.cluster.cacheEnabled;
  notes.push(`attached cluster: measured only with the cache ${declared === false ? 'off' : 'on'}${declared === null ? ' (assumed; pass --cache on|off)' : ''}; the other state needs a managed cluster`);
  return [declared ?? true];
}

export const cacheLabel = (on: boolean): string => (on ? 'cache on' : 'cache off');
