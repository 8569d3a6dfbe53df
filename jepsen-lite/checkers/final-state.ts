/**
 * Final state checker: after healing, every node reports the same quantity for each stock, and
 * it is one the trades allow: initial - filled BUYs + SELLs, where each indeterminate trade may
 * or may not count. A node missing from the final reads makes the verdict unknown.
 */
import type { HistoryOp } from '../history.js';
import { expectedFinal, finalPhaseIndex, finalQuantities, finalReadsByKey } from './final-reads.js';
import { groupExecutions, lineIndexes, pairOperations } from './operations.js';
import { describeReachable, isReachable } from './quantity-sums.js';
import { Verdict, combineVerdicts, type CheckerResult } from './result.js';

export interface FinalStateOptions {
  initialQuantities: Readonly<Record<string, number>>;
  /** Nodes that must answer the final reads. */
  nodes: readonly string[];
}

interface KeyFinal {
  key: string;
  verdict: Verdict;
  quantities: Record<string, number>;
  expected: string;
  message: string;
}

export function checkFinalState(history: readonly HistoryOp[], options: FinalStateOptions): CheckerResult {
  const finalAt = finalPhaseIndex(history);
  if (finalAt === null) {
    return { checker: 'final-state', verdict: Verdict.Unknown, summary: 'no final phase in the history', highlight: [], details: {} };
  }
  const ops = pairOperations(history);
  const executions = groupExecutions(ops);
  const reads = finalReadsByKey(ops, finalAt);
  const results: KeyFinal[] = [];
  const highlight: number[] = [];
  for (const key of Object.keys(options.initialQuantities).sort()) {
    const byNode = reads.get(key) ?? new Map();
    const quantities = finalQuantities(byNode);
    const expected = expectedFinal(key, options.initialQuantities[key] as number, executions);
    const base = { key, quantities: Object.fromEntries(quantities), expected: describeReachable(expected) };
    const missing = options.nodes.filter((n) => !quantities.has(n));
    const distinct = new Set(quantities.values());
    const wrong = [...quantities].filter(([, q]) => !isReachable(expected, q));
    if (distinct.size > 1 || wrong.length > 0) {
      highlight.push(...lineIndexes([...byNode.values()]));
      const msg = distinct.size > 1 ? `nodes disagree: ${JSON.stringify(base.quantities)}` : `${wrong.map(([n, q]) => `${n}=${q}`).join(', ')} not in ${base.expected}`;
      results.push({ ...base, verdict: Verdict.Invalid, message: msg });
    } else if (missing.length > 0) {
      results.push({ ...base, verdict: Verdict.Unknown, message: `no final read from ${missing.join(', ')}` });
    } else results.push({ ...base, verdict: Verdict.Valid, message: `all nodes at ${[...distinct][0]}` });
  }
  const verdict = combineVerdicts(results.map((r) => r.verdict));
  const bad = results.filter((r) => r.verdict !== Verdict.Valid);
  const summary = bad.length === 0 ? `${results.length} stocks agree on every node and match the trades` : bad.map((r) => `${r.key}: ${r.message}`).join('; ');
  return { checker: 'final-state', verdict, summary, highlight, details: { keys: results } };
}
