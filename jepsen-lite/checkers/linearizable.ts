/**
 * Linearizability per stock (P-compositionality: a history is linearizable iff each object's
 * sub-history is). Model: the quantity register of quantity-model.ts. Trades sharing an
 * idempotency key are one execution (operations.ts), so a retry acknowledged after a timed-out
 * first attempt may take effect from the first attempt's invoke on.
 *
 * On a violation the result shows the smallest failing window: the shortest prefix (in invoke
 * order) that still fails, then the latest start such that the window fails from any starting
 * quantity.
 */
import { performance } from 'node:perf_hooks';
import { OpF, type HistoryOp } from '../history.js';
import { Outcome, groupExecutions, pairOperations, readQuantity, type Operation } from './operations.js';
import { ModelOpKind, UNKNOWN_START, describeState, pointState, type ModelOp, type QuantityState } from './quantity-model.js';
import { Verdict, combineVerdicts, type CheckerResult } from './result.js';
import { searchLinearization, type LinOp, type SearchBudget } from './wgl.js';

export interface LinearizableOptions {
  /** Quantity of each stock before the run (read by the runner first). */
  initialQuantities: Readonly<Record<string, number>>;
  /** Search steps per stock before `unknown`. */
  stepsMaxPerKey: number;
  /** Wall-clock limit for the whole check, all stocks. */
  timeLimitMs: number;
  /** Memo entries per stock search. */
  memoEntriesMax: number;
  /** Total search steps spent shrinking one violation to a window. */
  shrinkStepsMax: number;
  /** Also require the linearization to follow transaction-number order (see narrowByTxOrder). */
  txOrder: boolean;
}

export const DEFAULT_LINEARIZABLE_OPTIONS: Omit<LinearizableOptions, 'initialQuantities'> = {
  stepsMaxPerKey: 20_000_000,
  timeLimitMs: 60_000,
  memoEntriesMax: 5_000_000,
  shrinkStepsMax: 5_000_000,
  txOrder: true,
};

/** Ops in the printed window are capped; the window's size is always reported. */
const WINDOW_OPS_PRINT_MAX = 60;
const CONFIRM_HASH_SEED = 0x5eed2;

interface KeyOp extends LinOp {
  lines: number[];
  label: string;
  /** Transaction number of a filled trade. */
  tx?: number;
}

export function validateLinearizableOptions(o: LinearizableOptions): void {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`linearizable: ${name} must be an integer >= 1, got ${v}`);
  };
  positiveInt('stepsMaxPerKey', o.stepsMaxPerKey);
  positiveInt('timeLimitMs', o.timeLimitMs);
  positiveInt('memoEntriesMax', o.memoEntriesMax);
  positiveInt('shrinkStepsMax', o.shrinkStepsMax);
  for (const [key, q] of Object.entries(o.initialQuantities)) {
    if (!Number.isSafeInteger(q) || q < 0) throw new Error(`linearizable: initial quantity of ${key} must be an integer >= 0, got ${q}`);
  }
}

function requestLines(requests: readonly Operation[]): number[] {
  return requests.flatMap((r) => (r.completion ? [r.invoke.index, r.completion.index] : [r.invoke.index]));
}

/**
 * Narrows filled trades' windows by transaction order. Bazaar numbers trades in Raft apply
 * order, which is also the order their effects happen, so a trade with a higher number takes
 * effect after one with a lower number: after the other's invoke (call = max(call, previous
 * call)), and the other before its completion (ret = min(ret, next ret)). Every linearization
 * in number order survives, so a correct system never fails because of this; it enforces the
 * order only as far as windows can express it. It turns a trade acknowledged long after its
 * effect (an info trade resolved by a retry in the final phase) back into a short window, which
 * keeps the search cheap. A narrowing that would empty a window is skipped (the orders checker
 * judges numbering).
 */
export function narrowByTxOrder(ops: KeyOp[]): void {
  const filled = ops.filter((k) => k.tx !== undefined).sort((a, b) => (a.tx as number) - (b.tx as number));
  let prevCall = -Infinity;
  for (const k of filled) {
    if (prevCall > k.call && prevCall < k.ret) k.call = prevCall;
    prevCall = k.call;
  }
  let nextRet = Infinity;
  for (const k of filled.reverse()) {
    if (nextRet < k.ret && nextRet > k.call) k.ret = nextRet;
    nextRet = k.ret;
  }
}

/** Builds each stock's ops: acknowledged and indeterminate trades, and acknowledged reads. */
export function buildKeyOps(history: readonly HistoryOp[], txOrder = false): Map<string, KeyOp[]> {
  const ops = pairOperations(history);
  const byKey = new Map<string, KeyOp[]>();
  const add = (key: string, op: KeyOp): void => {
    const list = byKey.get(key);
    if (list) list.push(op);
    else byKey.set(key, [op]);
  };
  for (const ex of groupExecutions(ops)) {
    if (ex.outcome === Outcome.Fail) continue;
    const lines = requestLines(ex.requests);
    const procs = [...new Set(ex.requests.map((r) => r.process))].join(',');
    let kind: ModelOp['kind'];
    if (ex.f === OpF.Sell) kind = ModelOpKind.Sell;
    else if (ex.result === null) kind = ModelOpKind.BuyUnknown;
    else kind = ex.result.filled ? ModelOpKind.BuyFilled : ModelOpKind.BuyRejected;
    const tx = ex.result?.filled ? ` tx ${ex.result.tx}` : '';
    const label = `p${procs} ${kind} ${ex.qty}${tx}${ex.outcome === Outcome.Info ? ' (info)' : ''}`;
    const txField = ex.result?.filled ? { tx: ex.result.tx } : {};
    add(ex.key, { call: ex.callIndex, ret: ex.returnIndex, op: { kind, amount: ex.qty }, required: ex.outcome === Outcome.Ok, lines, label, ...txField });
  }
  for (const op of ops) {
    if (op.f !== OpF.Read || op.outcome !== Outcome.Ok || op.key === null) continue;
    const q = readQuantity(op);
    add(op.key, {
      call: op.callIndex,
      ret: op.returnIndex,
      op: { kind: ModelOpKind.Read, amount: q },
      required: true,
      lines: requestLines([op]),
      label: `p${op.process} read ${q}${op.node ? ` @${op.node}` : ''}`,
    });
  }
  for (const list of byKey.values()) {
    if (txOrder) narrowByTxOrder(list);
    list.sort((a, b) => a.call - b.call);
  }
  return byKey;
}

interface Window {
  start: number;
  end: number;
  initial: QuantityState;
}

/** Shrinks a failing op list (sorted by call) to a small failing window; see the file comment. */
function shrinkWindow(ops: readonly KeyOp[], initial: QuantityState, stepsMax: number, deadlineMs: number): Window {
  let stepsLeft = stepsMax;
  const fails = (start: number, end: number, init: QuantityState): boolean => {
    if (stepsLeft <= 0) return false;
    const budget: SearchBudget = { stepsMax: stepsLeft, deadlineMs, memoEntriesMax: 1_000_000 };
    const r = searchLinearization(ops.slice(start, end), init, budget);
    stepsLeft -= r.steps;
    return r.verdict === 'invalid';
  };
  let lo = 1;
  let hi = ops.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (fails(0, mid, initial)) hi = mid;
    else lo = mid + 1;
  }
  const end = hi;
  let sLo = 0;
  let sHi = end - 1;
  while (sLo < sHi) {
    const mid = (sLo + sHi + 1) >>> 1;
    if (fails(mid, end, UNKNOWN_START)) sLo = mid;
    else sHi = mid - 1;
  }
  return { start: sLo, end, initial: sLo === 0 ? initial : UNKNOWN_START };
}

interface KeyResult {
  key: string;
  verdict: Verdict;
  ops: number;
  steps: number;
  reason?: string;
  window?: { startQuantity: string; size: number; ops: { label: string; lines: number[] }[] };
}

function checkKey(key: string, ops: readonly KeyOp[], initialQty: number, o: LinearizableOptions, deadlineMs: number): KeyResult {
  const budget: SearchBudget = { stepsMax: o.stepsMaxPerKey, deadlineMs, memoEntriesMax: o.memoEntriesMax };
  const init = pointState(initialQty);
  const first = searchLinearization(ops, init, budget);
  if (first.verdict === 'valid') return { key, verdict: Verdict.Valid, ops: ops.length, steps: first.steps };
  if (first.verdict === 'unknown') return { key, verdict: Verdict.Unknown, ops: ops.length, steps: first.steps, reason: first.reason };
  const confirm = searchLinearization(ops, init, budget, CONFIRM_HASH_SEED);
  if (confirm.verdict !== 'invalid') {
    const reason = `first search found a violation, confirming search said ${confirm.verdict}`;
    return { key, verdict: Verdict.Unknown, ops: ops.length, steps: first.steps + confirm.steps, reason };
  }
  const w = shrinkWindow(ops, init, o.shrinkStepsMax, deadlineMs);
  const windowOps = ops.slice(w.start, w.end);
  return {
    key,
    verdict: Verdict.Invalid,
    ops: ops.length,
    steps: first.steps + confirm.steps,
    window: {
      startQuantity: describeState(w.initial),
      size: windowOps.length,
      ops: windowOps.slice(0, WINDOW_OPS_PRINT_MAX).map((k) => ({ label: k.label, lines: k.lines })),
    },
  };
}

export function checkLinearizable(history: readonly HistoryOp[], options: LinearizableOptions): CheckerResult {
  validateLinearizableOptions(options);
  const deadlineMs = performance.now() + options.timeLimitMs;
  const perKey: KeyResult[] = [];
  for (const [key, ops] of [...buildKeyOps(history, options.txOrder)].sort(([a], [b]) => a.localeCompare(b))) {
    const initial = options.initialQuantities[key];
    if (initial === undefined) {
      perKey.push({ key, verdict: Verdict.Unknown, ops: ops.length, steps: 0, reason: 'initial quantity unknown' });
      continue;
    }
    perKey.push(checkKey(key, ops, initial, options, deadlineMs));
  }
  const verdict = combineVerdicts(perKey.map((k) => k.verdict));
  const bad = perKey.filter((k) => k.verdict !== Verdict.Valid);
  const summary =
    bad.length === 0
      ? `${perKey.length} stocks linearizable (${perKey.reduce((c, k) => c + k.ops, 0)} ops)`
      : bad.map((k) => `${k.key}: ${k.verdict}${k.reason ? ` (${k.reason})` : k.window ? ` (window of ${k.window.size} ops)` : ''}`).join('; ');
  const highlight = perKey.flatMap((k) => k.window?.ops.flatMap((w) => w.lines) ?? []).sort((a, b) => a - b);
  return { checker: 'linearizable', verdict, summary, highlight, details: { keys: perKey } };
}
