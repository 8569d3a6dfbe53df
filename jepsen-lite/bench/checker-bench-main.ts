/**
 * Prints how long the linearizability checker takes on simulated histories
 * (`npx tsx jepsen-lite/bench/checker-bench-main.ts [opsPerKey] [concurrency] [seed]`).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_LINEARIZABLE_OPTIONS, checkLinearizable } from '../checkers/linearizable.js';
import { simulateHistory } from '../testing/concurrent-sim.js';

const opsPerKey = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 10);
const seed = Number(process.argv[4] ?? 1);
const cases = [
  { infoProbability: 0, resolveLate: false },
  { infoProbability: 0.01, resolveLate: true },
  { infoProbability: 0.05, resolveLate: true },
  { infoProbability: 0.01, resolveLate: false },
  { infoProbability: 0.05, resolveLate: false },
];
for (const { infoProbability, resolveLate } of cases) {
  const { history } = simulateHistory({ seed, processes: concurrency, opsCount: opsPerKey, keys: ['k'], initialQuantity: 100, qtyMax: 5, infoProbability, resolveLate });
  const ops = history.build();
  const t0 = performance.now();
  const r = checkLinearizable(ops, { ...DEFAULT_LINEARIZABLE_OPTIONS, initialQuantities: { k: 100 }, timeLimitMs: 30_000 });
  const ms = performance.now() - t0;
  const kind = infoProbability === 0 ? 'no info ops' : `${infoProbability * 100}% info ops ${resolveLate ? 'resolved late by retries' : 'left indeterminate'}`;
  console.log(`seed ${seed}, ${opsPerKey} ops, concurrency ${concurrency}, ${kind}: ${r.verdict} in ${ms.toFixed(0)} ms (${r.summary})`);
}
