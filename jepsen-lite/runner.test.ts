import { describe, expect, it } from 'vitest';
import { checkHistory } from './checkers/index.js';
import { validateHistory } from './history.js';
import { realClock } from './run-context.js';
import { RUN_DEFAULTS, type RunOptions } from './run-options.js';
import { runTest } from './runner.js';
import { FakeBazaar, FakeDb, FakeNemesis, type FakeOptions } from './testing/fake-bazaar.js';
import { WorkloadState } from './workload.js';

const options: RunOptions = {
  ...RUN_DEFAULTS,
  name: 'unit',
  seed: 11,
  faults: ['partition', 'kill'],
  timeLimitMs: 1_200,
  ratePerSec: 400,
  concurrency: 4,
  keys: ['aapl', 'msft'],
  settleMs: 0,
  nemesisQuietMs: { min: 100, max: 200 },
  nemesisFaultMs: { min: 100, max: 300 },
};

async function run(fake: Partial<FakeOptions>) {
  const nemesis = new FakeNemesis();
  const client = new FakeBazaar({ seed: 5, initialQuantity: 20, infoProbability: 0.05, ...fake });
  const out = await runTest(options, { db: new FakeDb(), nemesis, client, clock: realClock(), log: () => undefined }, 'unit-1');
  const report = checkHistory(out.history, { initialQuantities: out.initialQuantities, nodes: out.nodes, txFloor: out.txFloor });
  return { out, report, nemesis };
}

describe('runner against in-process fakes', () => {
  it('records a valid history through every phase, with faults started, stopped and healed', async () => {
    const { out, report, nemesis } = await run({});
    validateHistory(out.history);
    const phases = out.history.filter((op) => op.f === 'phase').map((op) => (op.value as { phase: string }).phase);
    expect(phases).toEqual(['workload', 'heal', 'recover', 'final']);
    expect(nemesis.calls.filter((c) => c.startsWith('start')).length).toBeGreaterThan(0);
    expect(nemesis.calls.filter((c) => c.startsWith('start')).length).toBe(nemesis.calls.filter((c) => c.startsWith('stop')).length);
    expect(nemesis.calls[nemesis.calls.length - 1]).toBe('heal');
    expect(out.initialQuantities).toEqual({ aapl: 20, msft: 20 });
    expect(out.unresolvedTrades).toBe(0);
    expect(report.verdict, JSON.stringify(report.checkers.map((c) => [c.checker, c.verdict, c.summary]))).toBe('valid');
  });

  it('catches stale reads from one node', async () => {
    const { report } = await run({ staleReadsOnN2: true });
    expect(report.verdict).toBe('invalid');
    expect(report.checkers.find((c) => c.checker === 'linearizable')?.verdict).toBe('invalid');
  });

  it('catches double execution of retried idempotency keys', async () => {
    const { report } = await run({ forgetIdempotencyKeys: true, infoProbability: 0.3 });
    expect(report.verdict).toBe('invalid');
    const bad = report.checkers.filter((c) => c.verdict === 'invalid').map((c) => c.checker);
    expect(bad).toContain('exactly-once');
  });
});

describe('WorkloadState', () => {
  it('keeps a trade unresolved until an ok, even if a retry fails', () => {
    const s = new WorkloadState();
    const req = { f: 'sell' as const, key: 'aapl', qty: 1, idempotencyKey: 'k', attempt: 0 };
    s.observe(req, 'info', null);
    s.observe({ ...req, attempt: 1 }, 'fail', null);
    expect(s.unresolved.get('k')?.attempt).toBe(1);
    s.observe({ ...req, attempt: 2 }, 'ok', { qty: 1, filled: true, tx: 4 });
    expect(s.unresolved.size).toBe(0);
    expect(s.knownTx).toEqual([4]);
    s.observe({ ...req, idempotencyKey: 'other' }, 'fail', null);
    expect(s.unresolved.size).toBe(0);
  });
});
