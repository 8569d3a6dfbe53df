import { rowsOfGroup } from '../load/report.js';
import { baseSpec, warmUp, type Scenario, type ScenarioOutcome } from './scenario.js';
import { loadGroup, TRADE_CLIENT_COUNTS, tradeMix } from './workloads.js';

export const LEADER_WAIT_MS = 10_000;

export const trades: Scenario = {
  name: 'trades',
  description: 'POST /orders at 1, 16 and 64 concurrent clients, through the leader and through a follower',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const leader = await ctx.cluster.leaderUrl(LEADER_WAIT_MS);
    const follower = ctx.cluster.nodeUrls().find((u) => u !== leader);
    const routes: [string, string][] = [['leader', leader]];
    if (follower === undefined) notes.push('only one node known: the follower path was not measured');
    else routes.push(['follower', follower]);
    const clientCounts = ctx.options.connections === null ? [...TRADE_CLIENT_COUNTS] : [ctx.options.connections];
    const requests = tradeMix(ctx.symbols);
    const rows: ScenarioOutcome['rows'] = [];
    const phaseMs = ctx.phaseMs(clientCounts.length * routes.length);
    for (const [via, url] of routes) {
      // The first seconds after a start are not steady state (bench/README.md, session 7).
      await warmUp(ctx, [url], { kind: 'pick', requests });
      for (const clients of clientCounts) {
        ctx.log(`trades: ${clients} client(s) via the ${via} (${url})`);
        const result = await ctx.runLoad({
          ...baseSpec(ctx, phaseMs),
          groups: [loadGroup(`via ${via}, ${clients} clients`, [url], clients, ctx.options.rate, requests)],
        });
        for (const g of result.groups) rows.push(...rowsOfGroup('trades', g, result.generatorCpu));
      }
    }
    notes.push('each trade is a BUY or SELL of 1 share of a random symbol; 409 (insufficient quantity) shows under non-2xx');
    return { rows, notes };
  },
};
