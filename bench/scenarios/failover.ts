import { sleep } from '../load/closed-loop.js';
import { rowsOfGroup } from '../load/report.js';
import { LoadMode } from '../load/types.js';
import { TRADE_TAG } from '../load/workload.js';
import type { KillRecord } from '../cluster-handle.js';
import { recoveries, recoverySummary } from './failover-analysis.js';
import { waitForCaughtUp } from './failover-catch-up.js';
import { baseSpec, type Scenario, type ScenarioOutcome } from './scenario.js';
import { tradeMix } from './workloads.js';

export const KILLS = 10;
export const SMOKE_KILLS = 2;
export const KILL_INTERVAL_MS = 5000;
export const SMOKE_KILL_INTERVAL_MS = 4000;
/** How long the killed node stays down before it is restarted. */
export const DOWN_MS = 1500;
export const FAILOVER_CLIENTS = 16;
export const LEAD_IN_MS = 1000;
export const TIMELINE_MAX = 400_000;
/** Bound of one kill cycle (kill, down, restart until /health answers, rest) on a loaded machine. */
export const KILL_CYCLE_MAX_MS = 60_000;
/** Before each kill, wait at most this long for every member to have caught up (catch-up-wait). */
export const CATCH_UP_MAX_MS = 30_000;

export const failover: Scenario = {
  name: 'failover',
  description: 'steady trades over all nodes while the leader is SIGKILLed 10 times (restarted each time); kill-to-first-ack per kill',
  async run(ctx): Promise<ScenarioOutcome> {
    if (!ctx.cluster.managed) {
      return { rows: [], notes: ['failover skipped: killing and restarting the leader needs a managed cluster (run without --attach once cluster/control.ts exists)'] };
    }
    const kills = ctx.options.smoke ? SMOKE_KILLS : KILLS;
    const intervalMs = ctx.options.smoke ? SMOKE_KILL_INTERVAL_MS : KILL_INTERVAL_MS;
    const clients = ctx.options.connections ?? FAILOVER_CLIENTS;
    // The load runs until the kill loop is done (restarts can be slow on a loaded machine), within a bound.
    const durationMs = LEAD_IN_MS + kills * Math.max(intervalMs, KILL_CYCLE_MAX_MS) + LEAD_IN_MS;
    const stop = new AbortController();
    const load = ctx.runLoad({
      ...baseSpec(ctx, durationMs),
      timelineMax: TIMELINE_MAX,
      groups: [{
        name: `trades, ${clients} clients, ${kills} leader kills`,
        mode: LoadMode.Closed,
        origins: ctx.cluster.nodeUrls(),
        connections: clients,
        workload: { kind: 'pick', requests: tradeMix(ctx.symbols), idempotencyKeys: true },
      }],
    }, stop.signal);
    let killLog: KillRecord[] | Error;
    const catchUpMs: (number | null)[] = [];
    try {
      killLog = await killLoop(ctx, kills, intervalMs, catchUpMs);
      await sleep(LEAD_IN_MS);
    } catch (err) {
      killLog = err instanceof Error ? err : new Error(String(err));
    } finally {
      stop.abort();
    }
    const result = await load;
    if (killLog instanceof Error) throw killLog;
    const list = recoveries(killLog, result.timeline, TRADE_TAG);
    const { summary, unrecovered } = recoverySummary(list);
    const notes = [
      `kill -> first acknowledged trade sent after the kill (ms): ${list.map((r) => r.recoveryMs ?? 'none').join(', ')}`,
      `recovery p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms; kills without recovery before the next kill: ${unrecovered}`,
      `wait before each kill for every member to catch up (ms; none: not within ${CATCH_UP_MAX_MS} ms): ${catchUpMs.map((w) => w ?? 'none').join(', ')}`,
    ];
    if (result.timelineDropped > 0) notes.push(`timeline full: ${result.timelineDropped} acknowledgements not kept (late kills may show no recovery)`);
    return {
      rows: result.groups.flatMap((g) => rowsOfGroup('failover', g, result.generatorCpu)),
      notes,
      details: { recoveries: list, recoverySummary: summary, unrecovered, catchUpMs },
    };
  },
};

/**
 * Kill the leader, restart it DOWN_MS later, rest until the interval is over; before each kill,
 * wait until every member has caught up (a node restarted by the previous cycle can still be
 * catching up on a loaded machine, and a kill then measures two faults at once: the new leader
 * cannot commit until that node has caught up, 1.5 s in one run at 849028d).
 */
async function killLoop(ctx: Parameters<typeof failover.run>[0], kills: number, intervalMs: number, catchUpMs: (number | null)[]): Promise<KillRecord[]> {
  const log: KillRecord[] = [];
  await sleep(LEAD_IN_MS);
  for (let i = 0; i < kills; i++) {
    catchUpMs.push(await waitForCaughtUp(ctx.cluster.nodeUrls(), CATCH_UP_MAX_MS));
    const started = Date.now();
    const record = await ctx.cluster.killLeader();
    log.push(record);
    ctx.log(`failover: kill ${i + 1}/${kills}: ${record.nodeId} (${record.url})`);
    await sleep(DOWN_MS);
    await ctx.cluster.restartNode(record.nodeId);
    await sleep(Math.max(0, intervalMs - (Date.now() - started)));
  }
  return log;
}
