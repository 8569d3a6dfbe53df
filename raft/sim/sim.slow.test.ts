import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCorePath, loadCore } from './core-loader.js';
import { mutants, prepareMutantCore, removeMutantCore } from './mutants.js';
import type { RaftCoreCtor } from './sim-node.js';
import { ciSeedCount, ciSeedsFrom, formatFailure, runSeeds } from './seed-runner.js';
import { simDefaults } from './simulator.js';

/** RAFT_SIM_CORE lets a developer point the suite at another copy of the core. */
const corePath = process.env['RAFT_SIM_CORE'] ?? defaultCorePath;
const coreDir = dirname(corePath);
let core: RaftCoreCtor;

beforeAll(async () => {
  core = await loadCore(corePath);
});

describe('simulator, CI seeds', () => {
  it(`passes seeds ${ciSeedsFrom}..${ciSeedsFrom + ciSeedCount - 1} (3 and 5 nodes mixed)`, { timeout: 600_000 }, () => {
    const summary = runSeeds({ from: ciSeedsFrom, count: ciSeedCount, nodes: 'mixed', steps: simDefaults.steps, core, verbose: false });
    if (summary.firstFailure !== null) console.log(formatFailure(summary.firstFailure));
    const t = summary.totals;
    console.log(
      `seeds: ${summary.passed} passed, ${summary.failed} failed in ${(summary.elapsedMs / 1000).toFixed(1)} s; ` +
        `${t.leaderTerms} leader terms, ${t.crashes} crashes, ${t.partitions} partitions, ${t.proposalsAcked} acked writes, ` +
        `${t.readsServed} reads served, ${t.snapshotsInstalled} snapshots installed`,
    );
    expect(summary.failed).toBe(0);
    expect(summary.passed).toBe(ciSeedCount);
  });

  for (const mutant of mutants) {
    it(`catches mutant ${mutant.name} (${mutant.bug})`, { timeout: 420_000 }, async () => {
      const prepared = prepareMutantCore(coreDir, mutant);
      try {
        const broken = await loadCore(prepared.corePath);
        const summary = runSeeds({ from: ciSeedsFrom, count: ciSeedCount, nodes: 'mixed', steps: simDefaults.steps, core: broken, verbose: false });
        const failure = summary.firstFailure;
        console.log(
          failure === null
            ? `${mutant.name}: NOT CAUGHT`
            : `${mutant.name}: caught at seed ${failure.seed} [${failure.invariant}] ${failure.message}`,
        );
        expect(failure).not.toBeNull();
      } finally {
        removeMutantCore(prepared.dir);
      }
    });
  }
});
