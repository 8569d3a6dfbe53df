import { defaultFaultProfile, type FaultProfile } from './fault-profile.js';
import { clusterSizeMax, clusterSizes } from './sim-config.js';
import { addStats, emptyStats } from './sim-stats.js';
import { runSeed, type SimResult, type SimStats } from './simulator.js';

/** The seeds CI runs (sim.slow.test.ts), on the real tree and on every mutant. */
export const ciSeedsFrom = 1;
export const ciSeedCount = 2000;

/** A cluster size, or 'mixed': each seed draws one of `clusterSizes` (1 to 7, even ones included). */
export type NodeCountChoice = number | 'mixed';

export interface SeedRunOptions {
  readonly from: number;
  readonly count: number;
  readonly nodes: NodeCountChoice;
  readonly steps: number;
  readonly verbose: boolean;
  /** Changes to the default fault profile (every seed's swarm draw scales the result). */
  readonly faults?: Partial<FaultProfile> | undefined;
  /** Called after every `progressEvery` seeds with the seeds done so far. */
  readonly onProgress?: (done: number, elapsedMs: number) => void;
}

/** Seeds between progress reports of a long run. */
export const progressEvery = 500;

export type SimFailure = Extract<SimResult, { ok: false }> & { readonly nodeCount: number };

export interface SeedRunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly firstFailure: SimFailure | null;
  readonly elapsedMs: number;
  readonly totals: SimStats;
}

/** The cluster size of a seed in a mixed run: a function of the seed alone. */
export function nodeCountFor(seed: number, choice: NodeCountChoice): number {
  if (choice !== 'mixed') return choice;
  const mixed = Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) >>> 7;
  return clusterSizes[mixed % clusterSizes.length] ?? 3;
}

export function validateSeedRunOptions(options: SeedRunOptions): void {
  if (!Number.isInteger(options.from)) throw new Error(`--from must be an integer, got ${options.from}`);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`--seeds must be an integer >= 1, got ${options.count}`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`--steps must be an integer >= 1, got ${options.steps}`);
  const nodes = options.nodes;
  if (nodes !== 'mixed' && (!Number.isInteger(nodes) || nodes < 1 || nodes > clusterSizeMax)) {
    throw new Error(`--nodes must be 1..${clusterSizeMax} or mixed, got ${nodes}`);
  }
}

/** Run seeds from..from+count-1 in order; stop at the first failure. */
export async function runSeeds(options: SeedRunOptions): Promise<SeedRunSummary> {
  validateSeedRunOptions(options);
  const started = performance.now();
  const totals = emptyStats();
  let passed = 0;
  for (let seed = options.from; seed < options.from + options.count; seed++) {
    const nodeCount = nodeCountFor(seed, options.nodes);
    const faults = { ...defaultFaultProfile, ...options.faults };
    const result = await runSeed(seed, { nodeCount, steps: options.steps, verbose: options.verbose, faults });
    addStats(totals, result.stats);
    if (!result.ok) {
      return { passed, failed: 1, firstFailure: { ...result, nodeCount }, elapsedMs: performance.now() - started, totals };
    }
    passed++;
    if (passed % progressEvery === 0) options.onProgress?.(passed, performance.now() - started);
  }
  return { passed, failed: 0, firstFailure: null, elapsedMs: performance.now() - started, totals };
}

export function formatTotals(t: SimStats): string {
  return (
    `${t.ticks} ticks, ${t.messagesDelivered} messages, ${t.leaderTerms} leader terms, ${t.crashes} crashes (${t.powerLosses} power losses), ` +
    `${t.pauses} pauses, ${t.partitions} partitions, ${t.proposalsAcked} acked writes, ${t.readsServed}/${t.readsIssued} reads served, ` +
    `${t.transfers} transfers, ${t.snapshotsInstalled} snapshots sent, ${t.compactions} compactions, ${t.confChanges} configuration changes`
  );
}

export function formatFailure(failure: SimFailure): string {
  return [
    `seed ${failure.seed} FAILED (${failure.nodeCount} nodes) [${failure.invariant}]: ${failure.message}`,
    `config: ${failure.config}`,
    `--- last ${failure.trace.length} events of seed ${failure.seed} ---`,
    ...failure.trace,
    `--- reproduce: npm run sim -- --seeds 1 --from ${failure.seed} --nodes ${failure.nodeCount} --verbose ---`,
  ].join('\n');
}
