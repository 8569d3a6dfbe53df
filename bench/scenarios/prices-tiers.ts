import { rowsOfGroup } from '../load/report.js';
import { baseSpec, type Scenario, type ScenarioOutcome } from './scenario.js';
import { loadGroup, priceGets, tierSymbols } from './workloads.js';

/** The seed's JMeter plan (1,800 / 1,200 / 800 virtual users), scaled to this machine. */
export const SEED_TIER_USERS = { hot: 1800, medium: 1200, cold: 800 } as const;
export const DEFAULT_USERS_SCALE = 0.1;
export const SMOKE_USERS_SCALE = 0.02;

/** Split `total` connections across tiers in the seed's proportions (each at least 1). */
export function tierConnections(total: number): { hot: number; medium: number; cold: number } {
  const sum = SEED_TIER_USERS.hot + SEED_TIER_USERS.medium + SEED_TIER_USERS.cold;
  const share = (n: number): number => Math.max(1, Math.round((total * n) / sum));
  return { hot: share(SEED_TIER_USERS.hot), medium: share(SEED_TIER_USERS.medium), cold: share(SEED_TIER_USERS.cold) };
}

export const pricesTiers: Scenario = {
  name: 'prices-tiers',
  description: 'hot, medium and cold GET /prices groups in parallel (seed JMeter plan, scaled), reported per tier',
  async run(ctx): Promise<ScenarioOutcome> {
    const tiers = tierSymbols(ctx.symbols);
    const seedTotal = SEED_TIER_USERS.hot + SEED_TIER_USERS.medium + SEED_TIER_USERS.cold;
    const total = ctx.options.connections ?? Math.round(seedTotal * (ctx.options.smoke ? SMOKE_USERS_SCALE : DEFAULT_USERS_SCALE));
    const conns = tierConnections(total);
    const origins = ctx.cluster.nodeUrls();
    const rate = ctx.options.rate;
    const rateOf = (users: number): number | null => (rate === null ? null : Math.max(1, Math.round((rate * users) / total)));
    ctx.log(`prices-tiers: ${conns.hot}/${conns.medium}/${conns.cold} virtual users over ${origins.length} node(s)`);
    const result = await ctx.runLoad({
      ...baseSpec(ctx, ctx.phaseMs(1)),
      groups: [
        loadGroup('hot', origins, conns.hot, rateOf(conns.hot), priceGets(tiers.hot, 'hot')),
        loadGroup('medium', origins, conns.medium, rateOf(conns.medium), priceGets(tiers.medium, 'medium')),
        loadGroup('cold', origins, conns.cold, rateOf(conns.cold), priceGets(tiers.cold, 'cold')),
      ],
    });
    const rows = result.groups.flatMap((g) => rowsOfGroup('prices-tiers', g, result.generatorCpu));
    return { rows, notes: [`virtual users scaled from the seed's 1,800/1,200/800 to ${conns.hot}/${conns.medium}/${conns.cold} (--connections sets the total)`] };
  },
};
