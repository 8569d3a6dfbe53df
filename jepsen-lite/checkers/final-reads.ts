/**
 * Shared by final-state and exactly-once: the final phase's reads and each stock's expected
 * quantity (initial - filled buys + sells, plus what indeterminate trades may add).
 */
import { OpF, PHASE_F, Phase, isNemesisOp, type HistoryOp } from '../history.js';
import { Outcome, readQuantity, type Execution, type Operation } from './operations.js';
import { reachableQuantities, type Reachable } from './quantity-sums.js';

/** History index of the final-phase marker, or null when the run never reached it. */
export function finalPhaseIndex(history: readonly HistoryOp[]): number | null {
  for (const op of history) {
    if (isNemesisOp(op) && op.f === PHASE_F && op.value['phase'] === Phase.Final) return op.index;
  }
  return null;
}

/** Per stock, per node: the last ok read invoked after the final marker. */
export function finalReadsByKey(ops: readonly Operation[], fromIndex: number): Map<string, Map<string, Operation>> {
  const out = new Map<string, Map<string, Operation>>();
  for (const op of ops) {
    if (op.f !== OpF.Read || op.outcome !== Outcome.Ok || op.callIndex < fromIndex || op.key === null) continue;
    const byNode = out.get(op.key) ?? new Map<string, Operation>();
    byNode.set(op.node ?? 'unknown-node', op);
    out.set(op.key, byNode);
  }
  return out;
}

export function finalQuantities(byNode: ReadonlyMap<string, Operation>): Map<string, number> {
  return new Map([...byNode].map(([node, op]) => [node, readQuantity(op)]));
}

/** Trade effect on quantity: -qty for a filled BUY, +qty for a SELL, 0 for a rejected BUY. */
export function executionDelta(ex: Execution): number {
  if (ex.f === OpF.Sell) return ex.qty;
  if (ex.result !== null && !ex.result.filled) return 0;
  return -ex.qty;
}

/**
 * Quantities `key` may end with if every trade executed at most once. extraExecutions adds,
 * per execution, how many more times it may have executed (for the double-execution check).
 */
export function expectedFinal(
  key: string,
  initial: number,
  executions: readonly Execution[],
  extraExecutions: (ex: Execution) => number = () => 0,
): Reachable {
  let base = initial;
  const optional: number[] = [];
  for (const ex of executions) {
    if (ex.key !== key) continue;
    const delta = executionDelta(ex);
    if (ex.outcome === Outcome.Ok) base += delta;
    else if (ex.outcome === Outcome.Info) optional.push(delta);
    for (let i = 0; i < extraExecutions(ex); i++) optional.push(ex.f === OpF.Sell ? ex.qty : -ex.qty);
  }
  return reachableQuantities(base, optional);
}
