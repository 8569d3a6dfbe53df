import { bazaarSession } from './bazaar-session.js';
import { coldBurst } from './cold-burst.js';
import { failover } from './failover.js';
import { priceStream } from './price-stream.js';
import { pricesTiers } from './prices-tiers.js';
import type { Scenario } from './scenario.js';
import { soak } from './soak.js';
import { stocksRead } from './stocks-read.js';
import { trades } from './trades.js';

export const SCENARIOS: readonly Scenario[] = [pricesTiers, stocksRead, trades, bazaarSession, failover, coldBurst, soak, priceStream];

export function scenarioByName(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (found === undefined) throw new Error(`unknown scenario "${name}"; one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}
