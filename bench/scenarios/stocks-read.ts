import type { RequestSpec } from '../load/types.js';
import { rowsOfGroup } from '../load/report.js';
import { baseSpec, cacheLabel, cacheStates, warmUp, type Scenario, type ScenarioOutcome } from './scenario.js';
import { LEADER_WAIT_MS } from './trades.js';
import { loadGroup, stockLookups, STOCKS_READ_CONNECTIONS, tierSymbols } from './workloads.js';

export const stocksRead: Scenario = {
  name: 'stocks-read',
  description:
    'GET /stocks for hot stocks through the leader and through a follower (linearizable), and consistency=stale on a follower; cache warm, then with the cache off (managed cluster)',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const rows: ScenarioOutcome['rows'] = [];
    const requests = stockLookups(tierSymbols(ctx.symbols).hot);
    const staleRequests = requests.map((r) => ({ ...r, path: `${r.path}&consistency=stale` }));
    const connections = ctx.options.connections ?? (ctx.options.smoke ? 10 : STOCKS_READ_CONNECTIONS);
    const states = cacheStates(ctx, notes);
    for (const cacheOn of states) {
      await ctx.cluster.setCache(cacheOn);
      // A cache toggle starts a new cluster (new ports): read the URLs after it.
      const leader = await ctx.cluster.leaderUrl(LEADER_WAIT_MS);
      const follower = ctx.cluster.nodeUrls().find((u) => u !== leader);
      const runs: [string, string, RequestSpec[]][] = [['leader', leader, requests]];
      if (follower === undefined) notes.push('only one node known: the follower paths were not measured');
      else runs.push(['follower', follower, requests], ['follower stale', follower, staleRequests]);
      for (const [route, origin, specs] of runs) {
        await warmUp(ctx, [origin], { kind: 'pick', requests: specs });
        const label = `${cacheLabel(cacheOn)}, ${route}`;
        ctx.log(`stocks-read: ${label}, ${connections} connections`);
        const result = await ctx.runLoad({
          ...baseSpec(ctx, ctx.phaseMs(states.length * runs.length)),
          groups: [loadGroup(label, [origin], connections, ctx.options.rate, specs)],
        });
        for (const g of result.groups) rows.push(...rowsOfGroup('stocks-read', g, result.generatorCpu));
      }
    }
    return { rows, notes };
  },
};
