/**
 * Orders checker. Every acknowledged trade's transaction number reads back with the same stock,
 * type and quantity; no number belongs to two different acknowledged trades; a number read
 * back belongs to a trade that may have executed (not to a failed one, not to nothing); and
 * numbers are dense: a number is missing only if an indeterminate trade could have taken it,
 * and never reads as absent once a later number was known to exist.
 */
import { OpF, type HistoryOp } from '../history.js';
import { Outcome, groupExecutions, lineIndexes, pairOperations, readOrderOkValue, type Execution, type Operation } from './operations.js';
import { Verdict, type CheckerResult } from './result.js';

export interface OrdersOptions {
  /** When true, an acknowledged trade never read back makes the verdict unknown (at best). */
  requireReadBack: boolean;
  /** Numbers <= txFloor belong to trades before this run (an attached cluster): ignored. */
  txFloor: number;
}

/** Problems listed in results.json are capped; counts are always complete. */
const PROBLEMS_LISTED_MAX = 50;

interface Problem {
  kind: 'duplicate-tx' | 'mismatch' | 'lost' | 'hole' | 'failed-trade-executed' | 'phantom' | 'not-dense';
  tx: number | null;
  message: string;
  lines: number[];
}

function describe(ex: Execution): string {
  return `${ex.f.toUpperCase()} ${ex.qty} ${ex.key}`;
}

function orderType(ex: Execution): 'BUY' | 'SELL' {
  return ex.f === OpF.Buy ? 'BUY' : 'SELL';
}

function matches(ex: Execution, name: string, type: string, quantity: number): boolean {
  return ex.key.toLowerCase() === name.toLowerCase() && orderType(ex) === type && ex.qty === quantity;
}

/** tx -> the acknowledged executions that got it. */
function ackedByTx(executions: readonly Execution[]): Map<number, Execution[]> {
  const byTx = new Map<number, Execution[]>();
  for (const ex of executions) {
    if (ex.result === null || !ex.result.filled) continue;
    const list = byTx.get(ex.result.tx) ?? [];
    list.push(ex);
    byTx.set(ex.result.tx, list);
  }
  return byTx;
}

/** Answers "which is the highest tx known to exist strictly before history index i?". */
class ExistenceIndex {
  private readonly at: number[] = [];
  private readonly maxTx: number[] = [];
  private readonly maxAt: number[] = [];

  constructor(byTx: Map<number, Execution[]>, reads: readonly Operation[]) {
    const points: { tx: number; at: number }[] = [];
    for (const [tx, list] of byTx) for (const ex of list) points.push({ tx, at: ex.returnIndex });
    for (const r of reads) {
      const v = readOrderOkValue(r);
      if (!('found' in v)) points.push({ tx: v.tx, at: r.returnIndex });
    }
    points.sort((a, b) => a.at - b.at);
    let best = { tx: 0, at: -1 };
    for (const p of points) {
      if (p.tx > best.tx) best = p;
      this.at.push(p.at);
      this.maxTx.push(best.tx);
      this.maxAt.push(best.at);
    }
  }

  before(index: number): { tx: number; at: number } | null {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at[mid] as number) < index) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : { tx: this.maxTx[lo - 1] as number, at: this.maxAt[lo - 1] as number };
  }
}

function checkReads(executions: readonly Execution[], byTx: Map<number, Execution[]>, reads: readonly Operation[], problems: Problem[]): Set<number> {
  const readBack = new Set<number>();
  const known = new ExistenceIndex(byTx, reads);
  for (const r of reads) {
    const v = readOrderOkValue(r);
    const lines = lineIndexes([r]);
    const owners = byTx.get(v.tx) ?? [];
    if ('found' in v) {
      const lost = owners.find((ex) => ex.returnIndex < r.callIndex);
      if (lost) problems.push({ kind: 'lost', tx: v.tx, message: `tx ${v.tx} (${describe(lost)}) was acknowledged but read as not found`, lines: [...lines, ...lineIndexes(lost.requests)] });
      else {
        const later = known.before(r.callIndex);
        if (later && later.tx >= v.tx) problems.push({ kind: 'hole', tx: v.tx, message: `tx ${v.tx} read as not found after tx ${later.tx} existed (line ${later.at + 1})`, lines });
      }
      continue;
    }
    if (owners.length > 0) {
      const bad = owners.find((ex) => !matches(ex, v.name, v.type, v.quantity));
      if (bad) problems.push({ kind: 'mismatch', tx: v.tx, message: `tx ${v.tx} reads as ${v.type} ${v.quantity} ${v.name}, acknowledged as ${describe(bad)}`, lines: [...lines, ...lineIndexes(bad.requests)] });
      else readBack.add(v.tx);
      continue;
    }
    const candidates = executions.filter((ex) => matches(ex, v.name, v.type, v.quantity) && ex.callIndex < r.returnIndex);
    if (candidates.some((ex) => ex.outcome === Outcome.Info)) continue;
    const failed = candidates.find((ex) => ex.outcome === Outcome.Fail);
    if (failed) problems.push({ kind: 'failed-trade-executed', tx: v.tx, message: `tx ${v.tx} (${v.type} ${v.quantity} ${v.name}) matches only a request reported as failed`, lines: [...lines, ...lineIndexes(failed.requests)] });
    else problems.push({ kind: 'phantom', tx: v.tx, message: `tx ${v.tx} (${v.type} ${v.quantity} ${v.name}) matches no request`, lines });
  }
  return readBack;
}

function checkDense(executions: readonly Execution[], byTx: Map<number, Execution[]>, reads: readonly Operation[], floor: number, problems: Problem[]): { maxTx: number; gaps: number; indeterminate: number } {
  const known = new Set<number>(byTx.keys());
  for (const r of reads) {
    const v = readOrderOkValue(r);
    if (!('found' in v)) known.add(v.tx);
  }
  const maxTx = Math.max(0, ...known);
  const gapList: number[] = [];
  for (let n = floor + 1; n <= maxTx; n++) if (!known.has(n)) gapList.push(n);
  const indeterminate = executions.filter((ex) => ex.outcome === Outcome.Info).length;
  if (gapList.length > indeterminate) {
    const shown = gapList.slice(0, 10).join(', ');
    problems.push({ kind: 'not-dense', tx: gapList[0] ?? null, message: `${gapList.length} numbers missing below ${maxTx} (${shown}${gapList.length > 10 ? ', ...' : ''}) but only ${indeterminate} trades were indeterminate`, lines: [] });
  }
  return { maxTx, gaps: gapList.length, indeterminate };
}

export function checkOrders(history: readonly HistoryOp[], options: OrdersOptions): CheckerResult {
  const ops = pairOperations(history);
  const executions = groupExecutions(ops);
  const byTx = ackedByTx(executions);
  const problems: Problem[] = [];
  for (const [tx, list] of byTx) {
    if (list.length > 1) {
      problems.push({ kind: 'duplicate-tx', tx, message: `tx ${tx} given to ${list.length} different trades: ${list.map(describe).join(' / ')}`, lines: lineIndexes(list.flatMap((ex) => ex.requests)) });
    }
  }
  if (!Number.isSafeInteger(options.txFloor) || options.txFloor < 0) throw new Error(`orders: txFloor must be an integer >= 0, got ${options.txFloor}`);
  const reads = ops.filter((op) => op.f === OpF.ReadOrder && op.outcome === Outcome.Ok && readOrderOkValue(op).tx > options.txFloor);
  const readBack = checkReads(executions, byTx, reads, problems);
  const dense = checkDense(executions, byTx, reads, options.txFloor, problems);
  const unverified = [...byTx.keys()].filter((tx) => !readBack.has(tx)).sort((a, b) => a - b);
  let verdict: Verdict = problems.length > 0 ? Verdict.Invalid : Verdict.Valid;
  if (verdict === Verdict.Valid && options.requireReadBack && unverified.length > 0) verdict = Verdict.Unknown;
  const summary =
    problems.length > 0
      ? `${problems.length} problems: ${[...new Set(problems.map((p) => p.kind))].join(', ')}; first: ${problems[0]?.message}`
      : `${byTx.size} acknowledged trades, ${readBack.size} read back, max tx ${dense.maxTx}, ${dense.gaps} gaps (${dense.indeterminate} indeterminate)${unverified.length > 0 ? `, ${unverified.length} never read back` : ''}`;
  return {
    checker: 'orders',
    verdict,
    summary,
    highlight: problems.flatMap((p) => p.lines).slice(0, 1000),
    details: { acknowledged: byTx.size, readBack: readBack.size, unverified: unverified.slice(0, PROBLEMS_LISTED_MAX), ...dense, problemCount: problems.length, problems: problems.slice(0, PROBLEMS_LISTED_MAX) },
  };
}
