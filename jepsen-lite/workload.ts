/**
 * The workload phase: `concurrency` processes, each pacing itself to rate / concurrency ops per
 * second, drawing ops from its seeded generator and sending each to a random node (seeded).
 * Trades whose last request ended `info` are tracked so the final phase can resolve them.
 */
import { createRng } from '../common/rng.js';
import { DEFAULT_WEIGHTS, createWorkload, type LastOutcome, type TradeRequest } from './generator.js';
import type { RunContext } from './run-context.js';
import type { RunOptions } from './run-options.js';

/** Shared between processes: acknowledged numbers (for read-order) and unresolved trades. */
export class WorkloadState {
  readonly knownTx: number[] = [];
  /** Idempotency key -> the latest request of a trade whose latest outcome was info. */
  readonly unresolved = new Map<string, TradeRequest>();

  /** Only an ok resolves a key: a failed retry says nothing about an earlier attempt. */
  observe(request: TradeRequest, type: 'ok' | 'fail' | 'info', value: unknown): void {
    const key = request.idempotencyKey;
    if (type === 'ok') this.unresolved.delete(key);
    else if (type === 'info' || this.unresolved.has(key)) this.unresolved.set(key, request);
    const v = value as { filled?: boolean; tx?: number } | null;
    if (type === 'ok' && v?.filled === true && typeof v.tx === 'number') this.knownTx.push(v.tx);
  }
}

export interface WorkloadParams {
  options: RunOptions;
  /** The members now: each op goes to one of them (the list follows membership changes). */
  nodes: () => readonly string[];
  /** Unique per run: idempotency keys must not collide with earlier runs on the same cluster. */
  keyPrefix: string;
  /** Clock time (ms since run start) at which the phase ends. */
  endMs: number;
}

export async function runWorkload(ctx: RunContext, p: WorkloadParams, state: WorkloadState): Promise<void> {
  const o = p.options;
  const gens = createWorkload({
    seed: o.seed,
    processes: o.concurrency,
    keys: o.keys,
    qtyMax: o.qtyMax,
    weights: DEFAULT_WEIGHTS,
    retriesMax: o.retriesMax,
    keyPrefix: p.keyPrefix,
  });
  const nodeRoot = createRng((o.seed ^ 0x6e6f6465) >>> 0);
  const intervalMs = (1000 * o.concurrency) / o.ratePerSec;
  const startMs = ctx.clock.nowNs() / 1e6;
  await Promise.all(
    gens.map(async (gen, process) => {
      const nodeRng = nodeRoot.fork();
      let last: LastOutcome = null;
      // Stagger the processes' first ops over one interval.
      for (let k = 0; ; k++) {
        const dueMs = startMs + (k + process / o.concurrency) * intervalMs;
        if (dueMs >= p.endMs) return;
        await ctx.clock.sleep(dueMs - ctx.clock.nowNs() / 1e6);
        const request = gen.next(last, state.knownTx);
        const done = await ctx.runOp(process, nodeRng.pick(p.nodes()), request);
        if (request.f === 'buy' || request.f === 'sell') state.observe(request, done.type, done.value);
        last = { request, type: done.type };
      }
    }),
  );
}
