import type { RaftCoreCtor } from './sim-node.js';
import { runSeed, type SimResult, type SimStats } from './simulator.js';

/** The seeds CI runs (sim.slow.test.ts), on the real core and on every mutant. */
export const ciSeedsFrom = 1;
export const ciSeedCount = 2000;

export type NodeCountChoice = 3 | 5 | 'mixed';

export interface SeedRunOptions {
  readonly from: number;
  readonly count: number;
  readonly nodes: NodeCountChoice;
  readonly steps: number;
  readonly core: RaftCoreCtor;
  readonly verbose: boolean;
}

export type SimFailure = Extract<SimResult, { ok: false }> & { readonly nodeCount: number };

export interface SeedRunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly firstFailure: SimFailure | null;
  readonly elapsedMs: number;
  readonly totals: SimStats;
}

/** Mixed runs give every third seed five nodes; the count is a function of the seed alone. */
export function nodeCountFor(seed: number, choice: NodeCountChoice): 3 | 5 {
  if (choice !== 'mixed') return choice;
  return Math.abs(seed) % 3 === 0 ? 5 : 3;
}

export function validateSeedRunOptions(options: SeedRunOptions): void {
  if (!Number.isInteger(options.from)) throw new Error(`--from must be an integer, got ${options.from}`);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`--seeds must be an integer >= 1, got ${options.count}`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`--steps must be an integer >= 1, got ${options.steps}`);
}

/** Run seeds from..from+count-1 in order; stop at the first failure. */
export function runSeeds(options: SeedRunOptions): SeedRunSummary {
  validateSeedRunOptions(options);
  const started = performance.now();
  const totals = emptyStats();
  let passed = 0;
  for (let seed = options.from; seed < options.from + options.count; seed++) {
    const nodeCount = nodeCountFor(seed, options.nodes);
    const result = runSeed(seed, options.core, { nodeCount, steps: options.steps, verbose: options.verbose });
    addStats(totals, result.stats);
    if (!result.ok) {
      return { passed, failed: 1, firstFailure: { ...result, nodeCount }, elapsedMs: performance.now() - started, totals };
    }
    passed++;
  }
  return { passed, failed: 0, firstFailure: null, elapsedMs: performance.now() - started, totals };
}

function emptyStats(): SimStats {
  return {
    steps: 0, ticks: 0, messagesDelivered: 0, crashes: 0, pauses: 0, partitions: 0, leaderTerms: 0,
    maxTerm: 0, proposalsAcked: 0, readsIssued: 0, readsServed: 0, snapshotsInstalled: 0, compactions: 0,
  };
}

function addStats(totals: SimStats, stats: SimStats): void {
  for (const key of Object.keys(totals) as (keyof SimStats)[]) {
    totals[key] = key === 'maxTerm' ? Math.max(totals[key], stats[key]) : totals[key] + stats[key];
  }
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
