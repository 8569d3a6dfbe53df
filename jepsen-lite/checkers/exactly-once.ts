/**
 * Exactly-once checker: a retried idempotency key never produced two executions. Violations:
 * requests with one key acknowledged with different transaction numbers or results; one key
 * accepted for two different bodies; or a final quantity that only double execution of some
 * retried key explains.
 */
import type { HistoryOp } from '../history.js';
import { executionDelta, expectedFinal, finalPhaseIndex, finalQuantities, finalReadsByKey } from './final-reads.js';
import { Outcome, groupExecutions, lineIndexes, pairOperations, tradeOkValue, type Execution } from './operations.js';
import { describeReachable, isReachable } from './quantity-sums.js';
import { Verdict, type CheckerResult } from './result.js';

export interface ExactlyOnceOptions {
  initialQuantities: Readonly<Record<string, number>>;
}

/** History lines highlighted in the timeline, at most. */
const HIGHLIGHT_LINES_MAX = 1000;

interface Problem {
  kind: 'two-results' | 'key-reused' | 'final-needs-double-execution';
  key: string;
  message: string;
  lines: number[];
}

function resultsDisagree(ex: Execution): Problem | null {
  const acked = ex.requests.filter((r) => r.outcome === Outcome.Ok);
  const results = new Set(acked.map((r) => JSON.stringify(tradeOkValue(r))));
  if (results.size <= 1) return null;
  return {
    kind: 'two-results',
    key: ex.idempotencyKey as string,
    message: `idempotency key ${ex.idempotencyKey} acknowledged with ${results.size} different results: ${[...results].join(' / ')}`,
    lines: lineIndexes(ex.requests),
  };
}

function keyReuse(executions: readonly Execution[]): Problem[] {
  const byKey = new Map<string, Execution[]>();
  for (const ex of executions) {
    if (ex.idempotencyKey === null || ex.outcome !== Outcome.Ok) continue;
    byKey.set(ex.idempotencyKey, [...(byKey.get(ex.idempotencyKey) ?? []), ex]);
  }
  return [...byKey].flatMap(([key, list]) =>
    list.length < 2
      ? []
      : [{ kind: 'key-reused' as const, key, message: `idempotency key ${key} accepted for ${list.length} different requests`, lines: lineIndexes(list.flatMap((e) => e.requests)) }],
  );
}

function finalNeedsDoubles(history: readonly HistoryOp[], executions: readonly Execution[], o: ExactlyOnceOptions): Problem[] {
  const finalAt = finalPhaseIndex(history);
  if (finalAt === null) return [];
  const problems: Problem[] = [];
  const retried = (ex: Execution): number => (ex.idempotencyKey !== null && ex.requests.length > 1 && executionDelta(ex) !== 0 ? ex.requests.length - 1 : 0);
  for (const [key, byNode] of finalReadsByKey(pairOperations(history), finalAt)) {
    const initial = o.initialQuantities[key];
    if (initial === undefined) continue;
    const once = expectedFinal(key, initial, executions);
    const twice = expectedFinal(key, initial, executions, retried);
    for (const [node, q] of finalQuantities(byNode)) {
      if (isReachable(once, q) || !isReachable(twice, q)) continue;
      problems.push({
        kind: 'final-needs-double-execution',
        key,
        message: `${key} on ${node} ends at ${q}: not reachable with each trade executed at most once (${describeReachable(once)}), reachable if a retried key executed twice`,
        lines: lineIndexes([byNode.get(node)].filter((x) => x !== undefined)),
      });
    }
  }
  return problems;
}

export function checkExactlyOnce(history: readonly HistoryOp[], options: ExactlyOnceOptions): CheckerResult {
  const executions = groupExecutions(pairOperations(history));
  const keyed = executions.filter((ex) => ex.idempotencyKey !== null);
  const problems: Problem[] = [
    ...keyed.map(resultsDisagree).filter((p): p is Problem => p !== null),
    ...keyReuse(keyed),
    ...finalNeedsDoubles(history, executions, options),
  ];
  const retriedKeys = keyed.filter((ex) => ex.requests.length > 1).length;
  return {
    checker: 'exactly-once',
    verdict: problems.length > 0 ? Verdict.Invalid : Verdict.Valid,
    summary: problems.length > 0 ? `${problems.length} problems; first: ${problems[0]?.message}` : `${keyed.length} keyed trades, ${retriedKeys} retried, no double execution seen`,
    highlight: problems.flatMap((p) => p.lines).slice(0, HIGHLIGHT_LINES_MAX),
    details: { keyedTrades: keyed.length, retriedKeys, problems: problems.slice(0, 50) },
  };
}
