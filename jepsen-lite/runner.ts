/**
 * The runner: setup -> workload (+ nemesis) -> heal -> recover -> final reads, recording one
 * history. It only uses the Db, Nemesis and Client interfaces (interfaces.ts); checking and
 * writing the store happen in run-store.ts / jepsen-main.ts.
 */
import { nemesisSchedule } from './generator.js';
import { Phase, type HistoryOp } from './history.js';
import type { Client, Db, Nemesis } from './interfaces.js';
import { runFinalPhase } from './final-phase.js';
import { runNemesis } from './nemesis-loop.js';
import { RunContext, type Clock } from './run-context.js';
import { validateRunOptions, type RunOptions } from './run-options.js';
import { WorkloadState, runWorkload } from './workload.js';

export interface RunDeps {
  db: Db;
  nemesis: Nemesis;
  client: Client;
  clock: Clock;
  log: (line: string) => void;
}

export interface RunOutput {
  history: readonly HistoryOp[];
  initialQuantities: Record<string, number>;
  txFloor: number;
  nodes: readonly string[];
  keyPrefix: string;
  /** Trades still indeterminate after the final phase. */
  unresolvedTrades: number;
}

/** Setup reads and probes: attempts per question, and the pause between attempts. */
const SETUP_ATTEMPTS_MAX = 50;
const SETUP_RETRY_PAUSE_MS = 200;
/** Transaction numbers probed up to 2^TX_PROBE_BITS_MAX when finding the floor. */
const TX_PROBE_BITS_MAX = 40;
const FINAL_RETRY_PAUSE_MS = 250;

async function ask<T>(deps: RunDeps, what: string, attempt: (node: string) => Promise<T | null>): Promise<T> {
  const nodes = deps.db.nodes();
  for (let i = 0; i < SETUP_ATTEMPTS_MAX; i++) {
    const answer = await attempt(nodes[i % nodes.length] as string);
    if (answer !== null) return answer;
    await deps.clock.sleep(SETUP_RETRY_PAUSE_MS);
  }
  throw new Error(`setup: no node answered ${what} after ${SETUP_ATTEMPTS_MAX} attempts`);
}

async function readInitialQuantities(deps: RunDeps, keys: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    out[key] = await ask(deps, `the quantity of ${key}`, async (node) => {
      const c = await deps.client.invoke(node, { f: 'read', key });
      return c.type === 'ok' ? (c.value as { quantity: number }).quantity : null;
    });
  }
  return out;
}

/** Highest existing transaction number (numbers are dense): exponential then binary search. */
async function probeTxFloor(deps: RunDeps): Promise<number> {
  const exists = (tx: number): Promise<boolean> =>
    ask(deps, `order ${tx}`, async (node) => {
      const c = await deps.client.invoke(node, { f: 'read-order', tx });
      return c.type === 'ok' ? !('found' in (c.value as object)) : null;
    });
  if (!(await exists(1))) return 0;
  let lo = 1;
  let hi = 2;
  while (await exists(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** TX_PROBE_BITS_MAX) throw new Error('setup: transaction numbers beyond 2^40; is numbering dense?');
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await exists(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export async function runTest(o: RunOptions, deps: RunDeps, keyPrefix: string): Promise<RunOutput> {
  validateRunOptions(o);
  const { db, nemesis, clock, log } = deps;
  const ctx = new RunContext(clock, deps.client, log);
  await db.awaitHealthy(o.recoverTimeoutMs);
  const initialQuantities = await readInitialQuantities(deps, o.keys);
  const txFloor = await probeTxFloor(deps);
  log(`setup: nodes ${db.nodes().join(', ')}; initial ${JSON.stringify(initialQuantities)}; tx floor ${txFloor}; seed ${o.seed}`);
  ctx.recorder.phase(Phase.Workload);
  const startMs = clock.nowNs() / 1e6;
  const schedule = nemesisSchedule({ seed: o.seed, faults: o.faults, timeLimitMs: o.timeLimitMs, quietMs: o.nemesisQuietMs, faultMs: o.nemesisFaultMs, clockRates: o.clockRates });
  const state = new WorkloadState();
  await Promise.all([
    runWorkload(ctx, { options: o, nodes: () => db.nodes(), keyPrefix, endMs: startMs + o.timeLimitMs }, state),
    runNemesis(ctx, nemesis, schedule, startMs),
  ]);
  ctx.recorder.phase(Phase.Heal);
  const healed = await nemesis.heal();
  ctx.recorder.nemesis(healed.f, { action: 'heal', ...healed.detail });
  ctx.recorder.phase(Phase.Recover);
  try {
    await db.awaitHealthy(o.recoverTimeoutMs);
  } catch (err) {
    log(`recover: cluster not healthy within ${o.recoverTimeoutMs} ms: ${(err as Error).message}`);
  }
  await clock.sleep(o.settleMs);
  ctx.recorder.phase(Phase.Final);
  // The final members (a membership nemesis may have replaced some): every read goes to them.
  const nodes = db.nodes();
  log(`final: members ${nodes.join(', ')}`);
  const finalParams = { nodes, keys: o.keys, firstProcess: o.concurrency, parallelism: o.concurrency, attemptsMax: o.finalAttemptsMax, retryPauseMs: FINAL_RETRY_PAUSE_MS, txFloor };
  await runFinalPhase(ctx, finalParams, state);
  return { history: ctx.recorder.snapshot(), initialQuantities, txFloor, nodes, keyPrefix, unresolvedTrades: state.unresolved.size };
}
