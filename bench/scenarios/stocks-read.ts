import { rowsOfGroup } from '../load/report.js';
import { baseSpec, cacheLabel, cacheStates, warmUp, type Scenario, type ScenarioOutcome } from './scenario.js';
import { loadGroup, stockLookups, STOCKS_READ_CONNECTIONS, tierSymbols } from './workloads.js';

export const stocksRead: Scenario = {
  name: 'stocks-read',
  description: 'GET /stocks for hot stocks on one node, cache warm; and with the cache off (managed cluster)',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const rows: ScenarioOutcome['rows'] = [];
    const requests = stockLookups(tierSymbols(ctx.symbols).hot);
    const connections = ctx.options.connections ?? (ctx.options.smoke ? 10 : STOCKS_READ_CONNECTIONS);
    const states = cacheStates(ctx, notes);
    for (const cacheOn of states) {
      await ctx.cluster.setCache(cacheOn);
      // A cache toggle starts a new cluster (new ports): read the URLs after it.
      const origin = ctx.cluster.nodeUrls()[0];
      if (origin === undefined) throw new Error('stocks-read: the cluster has no nodes');
      await warmUp(ctx, [origin], { kind: 'pick', requests });
      ctx.log(`stocks-read: ${cacheLabel(cacheOn)}, ${connections} connections`);
      const result = await ctx.runLoad({
        ...baseSpec(ctx, ctx.phaseMs(states.length)),
        groups: [loadGroup(cacheLabel(cacheOn), [origin], connections, ctx.options.rate, requests)],
      });
      for (const g of result.groups) rows.push(...rowsOfGroup('stocks-read', g, result.generatorCpu));
    }
    return { rows, notes };
  },
};
