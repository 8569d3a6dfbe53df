import { rowsOfGroup } from '../load/report.js';
import { LoadMode } from '../load/types.js';
import { baseSpec, cacheLabel, cacheStates, type Scenario, type ScenarioOutcome } from './scenario.js';

export const TRADE_PROBABILITIES = [0, 0.2, 0.4, 0.6, 0.8] as const;
/** The bazaar seed measured with 5 concurrent clients. */
export const SESSION_CLIENTS = 5;

export const bazaarSession: Scenario = {
  name: 'bazaar-session',
  description: 'the bazaar client loop (lookup, then trade with probability p) for p = 0..0.8, cache on and off',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const rows: ScenarioOutcome['rows'] = [];
    const clients = ctx.options.connections ?? SESSION_CLIENTS;
    const states = cacheStates(ctx, notes);
    const phaseMs = ctx.phaseMs(states.length * TRADE_PROBABILITIES.length);
    if (ctx.options.rate !== null) notes.push('--rate ignored: a session is a closed loop (lookup, then maybe trade)');
    for (const cacheOn of states) {
      await ctx.cluster.setCache(cacheOn);
      const origins = ctx.cluster.nodeUrls(); // a cache toggle starts a new cluster (new ports)
      for (const p of TRADE_PROBABILITIES) {
        ctx.log(`bazaar-session: ${cacheLabel(cacheOn)}, p = ${p}, ${clients} clients`);
        const result = await ctx.runLoad({
          ...baseSpec(ctx, phaseMs),
          groups: [
            {
              name: `${cacheLabel(cacheOn)}, p=${p}`,
              mode: LoadMode.Closed,
              origins,
              connections: clients,
              workload: { kind: 'session', symbols: ctx.symbols, tradeProbability: p },
            },
          ],
        });
        for (const g of result.groups) rows.push(...rowsOfGroup('bazaar-session', g, result.generatorCpu));
      }
    }
    notes.push('rows "/ lookup" and "/ trade" give each request type per p; clients are spread over all nodes');
    return { rows, notes };
  },
};
