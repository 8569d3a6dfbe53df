import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvariantChecker, InvariantViolation, type LogView } from './invariants.js';
import { applyMutant, loadSeedRunner, mutants, prepareMutantTree, removeMutantTree } from './mutants.js';
import { formatFailure, nodeCountFor, runSeeds } from './seed-runner.js';

const raftDir = fileURLToPath(new URL('../', import.meta.url));

function logView(id: string, terms: readonly number[], snapshotIndex = 0): LogView {
  // terms[i] is the term of index i + 1; the snapshot (if any) covers the indices before it.
  return {
    id,
    lowestKnownIndex: () => Math.max(snapshotIndex, 1),
    lastIndex: () => terms.length,
    snapshotIndex: () => snapshotIndex,
    termAt: (index) => (index === 0 ? 0 : index >= Math.max(snapshotIndex, 1) ? terms[index - 1] : undefined),
  };
}

describe('simulator on the real driver, core and storage', () => {
  it('passes 40 seeds of mixed cluster sizes, with power losses and membership changes', { timeout: 180_000 }, async () => {
    const summary = await runSeeds({ from: 1, count: 40, nodes: 'mixed', steps: 3000, verbose: false });
    if (summary.firstFailure !== null) console.log(formatFailure(summary.firstFailure));
    console.log(`mixed: ${summary.passed} seeds in ${(summary.elapsedMs / 1000).toFixed(1)} s, ${summary.totals.proposalsAcked} acked writes`);
    expect(summary.failed).toBe(0);
    expect(summary.passed).toBe(40);
    expect(summary.totals.proposalsAcked).toBeGreaterThan(0);
    expect(summary.totals.readsServed).toBeGreaterThan(0);
    expect(summary.totals.powerLosses).toBeGreaterThan(0);
    expect(summary.totals.compactions).toBeGreaterThan(0);
    expect(summary.totals.transfers).toBeGreaterThan(0);
    expect(summary.totals.confChanges).toBeGreaterThan(0);
  });

  it('draws every cluster size from 1 to 7 in a mixed run', () => {
    const sizes = new Set(Array.from({ length: 200 }, (_, i) => nodeCountFor(i + 1, 'mixed')));
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('is deterministic: the same seed gives the same run', { timeout: 60_000 }, async () => {
    const a = await runSeeds({ from: 7, count: 1, nodes: 5, steps: 1500, verbose: false });
    const b = await runSeeds({ from: 7, count: 1, nodes: 5, steps: 1500, verbose: false });
    expect(b.totals).toEqual(a.totals);
    expect(a.totals.messagesDelivered).toBeGreaterThan(0);
  });
});

describe('the invariant checker can fail', () => {
  it('rejects two leaders in one term', () => {
    const checker = new InvariantChecker();
    checker.observeLeader('n1', 3);
    checker.observeLeader('n1', 3);
    checker.observeLeader('n2', 4);
    expect(() => checker.observeLeader('n2', 3)).toThrow(/election safety: two leaders in term 3: n1 and n2/);
  });

  it('rejects divergent applied entries at one index', () => {
    const checker = new InvariantChecker();
    checker.observeApplied('n1', 1, '1|normal|a');
    checker.observeApplied('n2', 1, '1|normal|a');
    expect(() => checker.observeApplied('n3', 1, '2|normal|b')).toThrow(InvariantViolation);
    expect(() => checker.observeApplied('n3', 1, '2|normal|b')).toThrow(/state-machine safety/);
  });

  it('rejects logs that share an entry but differ before it', () => {
    const checker = new InvariantChecker();
    checker.checkLogMatching(logView('n1', [1, 1, 2]), logView('n2', [1, 1, 3]));
    expect(() => checker.checkLogMatching(logView('n1', [1, 1, 2, 3]), logView('n2', [1, 2, 2, 3]))).toThrow(/log matching/);
  });

  it('rejects two copies of one (index, term) with different data', () => {
    const checker = new InvariantChecker();
    checker.observeStoredEntry('n1', 2, 1, 1, '1|normal|a');
    checker.observeStoredEntry('n2', 2, 1, 1, '1|normal|a');
    expect(() => checker.observeStoredEntry('n3', 2, 1, 1, '1|normal|b')).toThrow(/log matching/);
  });

  it('rejects a commit index that goes down, but not below a restart floor', () => {
    const checker = new InvariantChecker();
    checker.observeCommit('n1', 3, 1, logView('n1', [1, 1, 1]));
    checker.observeRestart('n1', 2);
    checker.observeCommit('n1', 2, 1, logView('n1', [1, 1, 1]));
    expect(() => checker.observeCommit('n1', 1, 1, logView('n1', [1, 1, 1]))).toThrow(/commit monotonicity/);
  });

  it('rejects a leader missing an entry committed in an earlier term', () => {
    const checker = new InvariantChecker();
    checker.observeCommit('n1', 2, 1, logView('n1', [1, 1]));
    checker.checkLeaderCompleteness(logView('n2', [1, 1, 2]), 2);
    expect(() => checker.checkLeaderCompleteness(logView('n3', [1, 2]), 3)).toThrow(/leader completeness/);
  });

  it('rejects a stale read and a second vote in one term', () => {
    const checker = new InvariantChecker();
    checker.checkRead('n1', 'r1', 5, 5);
    expect(() => checker.checkRead('n1', 'r2', 4, 5)).toThrow(/linearizable read/);
    checker.observeVoteGranted('n1', 2, 'n2');
    checker.observeVoteGranted('n1', 2, 'n2');
    expect(() => checker.observeVoteGranted('n1', 2, 'n3')).toThrow(/one vote per term/);
  });

  it('rejects a follower that drops entries it acknowledged in its term', () => {
    const checker = new InvariantChecker();
    checker.observeAppendAck('n2', 4, 3);
    checker.checkAckedEntriesKept('n2', 5, logView('n2', [1]));
    expect(() => checker.checkAckedEntriesKept('n2', 4, logView('n2', [1, 4]))).toThrow(/acknowledged entries kept/);
  });
});

describe('mutants', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'raft-sim-mutant-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fail loudly when the marker or the find text is missing', () => {
    const file = join(dir, 'x', 'core.ts');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'const upToDate = check(); // @mutant:vote-no-log-check\n');
    const mutant = mutants.find((m) => m.name === 'vote-no-log-check');
    const missing = mutants.find((m) => m.name === 'commit-prev-term');
    if (mutant === undefined || missing === undefined) throw new Error('mutant table lost an entry');
    expect(() => applyMutant(dir, missing)).toThrow(/no line .* ends with "\/\/ @mutant:commit-prev-term"/);
    expect(() => applyMutant(dir, mutant)).toThrow(/must contain "this.log.isUpToDate\(m.lastIndex, m.lastTerm\)" once, found 0/);
  });

  it('a broken driver is caught and the report names the seed and shows the trace', { timeout: 120_000 }, async () => {
    const mutant = mutants.find((m) => m.name === 'apply-before-persist');
    if (mutant === undefined) throw new Error('mutant table lost apply-before-persist');
    const prepared = prepareMutantTree(raftDir, mutant);
    try {
      const runner = await loadSeedRunner(prepared.raftDir);
      // Seeds 1..400, stopping at the first failure: after the membership draws and the snapshot
      // spool fix (6f43cad) the mutant is first caught at seed 134 (a restart finds the state
      // machine ahead of the stored log); seeds 1..100 no longer reach it.
      const summary = await runner.runSeeds({ from: 1, count: 400, nodes: 3, steps: 3000, verbose: false });
      expect(summary.firstFailure).not.toBeNull();
      const report = runner.formatFailure(summary.firstFailure ?? expect.unreachable());
      expect(report).toMatch(/^seed \d+ FAILED \(3 nodes\)/);
      expect(report).toContain('--- reproduce: npm run sim -- --seeds 1 --from');
      expect(report.split('\n').length).toBeGreaterThan(50);
    } finally {
      removeMutantTree(prepared.dir);
    }
  });
});
