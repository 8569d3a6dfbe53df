import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSeedRunner, mutants, prepareMutantTree, removeMutantTree } from './mutants.js';
import { ciSeedCount, ciSeedsFrom, formatFailure, formatTotals } from './seed-runner.js';
import { simDefaults } from './simulator.js';

/** RAFT_SIM_DIR lets a developer point the suite at another copy of raft/. */
const raftDir = process.env['RAFT_SIM_DIR'] ?? fileURLToPath(new URL('../', import.meta.url));

describe('simulator, CI seeds (real RaftNode, core and MemoryLogStorage with power loss)', () => {
  it(`passes seeds ${ciSeedsFrom}..${ciSeedsFrom + ciSeedCount - 1} (cluster sizes 1 to 7 mixed)`, { timeout: 900_000 }, async () => {
    const runner = await loadSeedRunner(raftDir);
    const summary = await runner.runSeeds({ from: ciSeedsFrom, count: ciSeedCount, nodes: 'mixed', steps: simDefaults.steps, verbose: false });
    if (summary.firstFailure !== null) console.log(formatFailure(summary.firstFailure));
    console.log(`seeds: ${summary.passed} passed, ${summary.failed} failed in ${(summary.elapsedMs / 1000).toFixed(1)} s; ${formatTotals(summary.totals)}`);
    expect(summary.failed).toBe(0);
    expect(summary.passed).toBe(ciSeedCount);
  });

  for (const mutant of mutants) {
    it(`catches mutant ${mutant.name} (${mutant.bug})`, { timeout: 600_000 }, async () => {
      const prepared = prepareMutantTree(raftDir, mutant);
      try {
        const runner = await loadSeedRunner(prepared.raftDir);
        const summary = await runner.runSeeds({ from: ciSeedsFrom, count: ciSeedCount, nodes: 'mixed', steps: simDefaults.steps, verbose: false, faults: mutant.faults });
        const failure = summary.firstFailure;
        console.log(failure === null ? `${mutant.name}: NOT CAUGHT` : `${mutant.name}: caught at seed ${failure.seed} [${failure.invariant}] ${failure.message.split('\n')[0]}`);
        expect(failure).not.toBeNull();
      } finally {
        removeMutantTree(prepared.dir);
      }
    });
  }
});

