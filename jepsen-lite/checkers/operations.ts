/**
 * Pairs history lines into operations (invoke + completion) and groups trades into
 * executions: every request that shares an idempotency key (same stock, side and quantity) is
 * one logical trade that the server must execute at most once.
 */
import {
  OpF,
  OpType,
  isClientOp,
  type ClientOp,
  type HistoryOp,
  type ReadOrderOkValue,
  type TradeInvokeValue,
  type TradeOkValue,
} from '../history.js';

export const Outcome = { Ok: 'ok', Fail: 'fail', Info: 'info' } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface Operation {
  process: number;
  f: OpF;
  key: string | null;
  node: string | null;
  invoke: ClientOp;
  /** null when the run ended before a completion was recorded (treated as info). */
  completion: ClientOp | null;
  outcome: Outcome;
  /** History index of the invoke line. */
  callIndex: number;
  /** History index of the completion line; Infinity for info (may take effect any time later). */
  returnIndex: number;
}

/** Pairs invokes with completions per process, in invoke order. Assumes validateHistory passed. */
export function pairOperations(history: readonly HistoryOp[]): Operation[] {
  const open = new Map<number, Operation>();
  const ops: Operation[] = [];
  for (const line of history) {
    if (!isClientOp(line)) continue;
    if (line.type === OpType.Invoke) {
      const op: Operation = {
        process: line.process,
        f: line.f,
        key: line.key,
        node: line.node ?? null,
        invoke: line,
        completion: null,
        outcome: Outcome.Info,
        callIndex: line.index,
        returnIndex: Infinity,
      };
      open.set(line.process, op);
      ops.push(op);
      continue;
    }
    const op = open.get(line.process);
    if (!op) throw new Error(`history index ${line.index}: completion without invoke (validate the history first)`);
    open.delete(line.process);
    op.completion = line;
    op.outcome = line.type as Outcome;
    if (line.type !== OpType.Info) op.returnIndex = line.index;
  }
  return ops;
}

export function tradeInvokeValue(op: Operation): TradeInvokeValue {
  return op.invoke.value as TradeInvokeValue;
}

export function tradeOkValue(op: Operation): TradeOkValue {
  if (op.outcome !== Outcome.Ok || !op.completion) throw new Error(`op at ${op.callIndex} is not ok`);
  return op.completion.value as TradeOkValue;
}

export function readOrderOkValue(op: Operation): ReadOrderOkValue {
  if (op.outcome !== Outcome.Ok || !op.completion) throw new Error(`op at ${op.callIndex} is not ok`);
  return op.completion.value as ReadOrderOkValue;
}

export function readQuantity(op: Operation): number {
  if (op.outcome !== Outcome.Ok || !op.completion) throw new Error(`op at ${op.callIndex} is not ok`);
  return (op.completion.value as { quantity: number }).quantity;
}

export function isTrade(op: Operation): boolean {
  return op.f === OpF.Buy || op.f === OpF.Sell;
}

/** One logical trade: all requests sharing an idempotency key, or one request without a key. */
export interface Execution {
  f: typeof OpF.Buy | typeof OpF.Sell;
  key: string;
  qty: number;
  idempotencyKey: string | null;
  /** Requests in invoke order. */
  requests: Operation[];
  /** ok if any request was acknowledged, fail if every request certainly did not execute, else info. */
  outcome: Outcome;
  /** The first acknowledged result, if any. */
  result: TradeOkValue | null;
  /** Earliest invoke of a request that may have executed. */
  callIndex: number;
  /** Completion of the first acknowledged request; Infinity when none was acknowledged. */
  returnIndex: number;
}

export function groupExecutions(ops: readonly Operation[]): Execution[] {
  const groups = new Map<string, Operation[]>();
  const singles: Operation[][] = [];
  for (const op of ops) {
    if (!isTrade(op)) continue;
    const v = tradeInvokeValue(op);
    if (v.idempotency_key === null) {
      singles.push([op]);
      continue;
    }
    const groupKey = JSON.stringify([v.idempotency_key, op.f, op.key, v.qty]);
    const group = groups.get(groupKey);
    if (group) group.push(op);
    else groups.set(groupKey, [op]);
  }
  return [...groups.values(), ...singles].map(toExecution).sort((a, b) => a.callIndex - b.callIndex);
}

function toExecution(requests: Operation[]): Execution {
  const first = requests[0];
  if (!first) throw new Error('execution with no requests');
  const v = tradeInvokeValue(first);
  const acked = requests.find((r) => r.outcome === Outcome.Ok);
  const live = requests.filter((r) => r.outcome !== Outcome.Fail);
  const outcome = acked ? Outcome.Ok : live.length === 0 ? Outcome.Fail : Outcome.Info;
  return {
    f: first.f as Execution['f'],
    key: first.key as string,
    qty: v.qty,
    idempotencyKey: v.idempotency_key,
    requests,
    outcome,
    result: acked ? tradeOkValue(acked) : null,
    callIndex: live[0]?.callIndex ?? first.callIndex,
    returnIndex: acked ? acked.returnIndex : Infinity,
  };
}

/** History indexes of every line of the given operations (invokes and completions). */
export function lineIndexes(ops: readonly Operation[]): number[] {
  const out: number[] = [];
  for (const op of ops) {
    out.push(op.invoke.index);
    if (op.completion) out.push(op.completion.index);
  }
  return out.sort((a, b) => a - b);
}
