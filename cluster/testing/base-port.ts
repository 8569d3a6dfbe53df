import { randomInt } from 'node:crypto';
import { portWindow } from '../../common/free-port.js';
import { assertPortsFree } from '../free-ports.js';
import { planPortList, planPorts } from '../port-plan.js';

/** Lowest base port a test plan uses (its DynamoDB port sits 80 below). */
export const TEST_BASE_PORT_MIN = 2_000;
/** Ports a 3-node plan spans above its base (the last node's gRPC port). */
const PLAN_SPAN_ABOVE_BASE = 1_400;
/** Bases tried before giving up. */
const BASE_PORT_ATTEMPTS_MAX = 50;

/**
 * A base port for `npm start -- --base-port N` in a test: every port of its 3-node plan is free
 * now and lies below the free-port window (which other tests reserve from) and the kernel's
 * ephemeral range (where a connect() may take a port between the check and the listen).
 */
export async function pickTestBasePort(label: string): Promise<number> {
  const seed = randomInt(2 ** 31);
  console.log(`${label}: base port search seed ${seed}`);
  const baseMax = portWindow().low - PLAN_SPAN_ABOVE_BASE - 1;
  if (baseMax <= TEST_BASE_PORT_MIN) throw new Error(`no room for a test port plan below port ${portWindow().low}`);
  for (let attempt = 0; attempt < BASE_PORT_ATTEMPTS_MAX; attempt++) {
    const base = TEST_BASE_PORT_MIN + ((seed + attempt * 7919) % (baseMax - TEST_BASE_PORT_MIN));
    try {
      await assertPortsFree(planPortList(planPorts(base, 3)), '127.0.0.1');
      return base;
    } catch {
      // some port of this plan is taken: try another base
    }
  }
  throw new Error('no base port with every planned port free');
}
