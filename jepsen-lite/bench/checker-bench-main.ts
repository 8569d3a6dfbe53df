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
for (const infoProbability of [0, 0.01, 0.05]) {
  const { history } = simulateHistory({ seed, processes: concurrency, opsCount: opsPerKey, keys: ['k'], initialQuantity: 100, qtyMax: 5, infoProbability });
  const ops = history.build();
  const t0 = performance.now();
  const r = checkLinearizable(ops, { ...DEFAULT_LINEARIZABLE_OPTIONS, initialQuantities: { k: 100 } });
  const ms = performance.now() - t0;
  console.log(`seed ${seed} ops ${opsPerKey} concurrency ${concurrency} info ${infoProbability}: ${r.verdict} in ${ms.toFixed(0)} ms (${r.summary})`);
}
