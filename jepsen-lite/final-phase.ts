/**
 * The final phase, after healing and recovery: resolve indeterminate trades by retrying them
 * with their idempotency keys until one answer is ok (the server returns the original result
 * or executes them now; a failed retry says nothing about the earlier attempt),
 * read back every transaction number of the run, then read every stock on every node. Each
 * step retries a bounded number of times; what stays unresolved is left to the checkers.
 */
import type { Request, TradeRequest } from './generator.js';
import type { Completion } from './interfaces.js';
import type { RunContext } from './run-context.js';
import type { WorkloadState } from './workload.js';

export interface FinalParams {
  nodes: readonly string[];
  keys: readonly string[];
  /** Process ids for final ops start here (after the workload's). */
  firstProcess: number;
  /** Parallel final ops. */
  parallelism: number;
  attemptsMax: number;
  /** Pause between attempts of one op. */
  retryPauseMs: number;
  txFloor: number;
}

/** Extra numbers probed past the highest acknowledged one (trades whose answer was lost). */
export const ORDER_PROBE_EXTRA = 5;

type Task = (process: number) => Promise<void>;

async function runPool(tasks: readonly Task[], p: FinalParams): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(p.parallelism, tasks.length) }, async (_, w) => {
    while (next < tasks.length) {
      const task = tasks[next++] as Task;
      await task(p.firstProcess + w);
    }
  });
  await Promise.all(workers);
}

/** Runs request until `done` says so or attempts run out, rotating over the nodes. */
async function untilDone(ctx: RunContext, p: FinalParams, process: number, request: (attempt: number) => Request, done: (c: Completion) => boolean, startNode: number): Promise<boolean> {
  for (let attempt = 0; attempt < p.attemptsMax; attempt++) {
    const node = p.nodes[(startNode + attempt) % p.nodes.length] as string;
    if (done(await ctx.runOp(process, node, request(attempt)))) return true;
    await ctx.clock.sleep(p.retryPauseMs);
  }
  return false;
}

export async function runFinalPhase(ctx: RunContext, p: FinalParams, state: WorkloadState): Promise<void> {
  const trades = [...state.unresolved.values()];
  await runPool(
    trades.map((t: TradeRequest, i) => async (process) => {
      const resolved = await untilDone(ctx, p, process, (a) => ({ ...t, attempt: t.attempt + 1 + a }), (c) => c.type === 'ok', i);
      if (resolved) state.unresolved.delete(t.idempotencyKey);
    }),
    p,
  );
  const maxTx = Math.max(p.txFloor, ...state.knownTx);
  const txs = Array.from({ length: maxTx - p.txFloor + trades.length + ORDER_PROBE_EXTRA }, (_, i) => p.txFloor + 1 + i);
  await runPool(
    txs.map((tx, i) => async (process) => {
      await untilDone(ctx, p, process, () => ({ f: 'read-order', tx }), (c) => c.type === 'ok', i);
    }),
    p,
  );
  const reads = p.keys.flatMap((key) => p.nodes.map((node) => ({ key, node })));
  await runPool(
    reads.map(({ key, node }) => async (process) => {
      for (let attempt = 0; attempt < p.attemptsMax; attempt++) {
        if ((await ctx.runOp(process, node, { f: 'read', key })).type === 'ok') return;
        await ctx.clock.sleep(p.retryPauseMs);
      }
    }),
    p,
  );
}
