import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterControl, startCluster, type RunningCluster } from './control.js';
import { memberAdd, memberPromote } from './member-ops.js';
import { fetchClusterInfo } from './node-api.js';

/**
 * A member added at run time (`member add`) sits behind fault proxies like the original nodes:
 * cutting its links through the Toxiproxy API stops the log reaching it, and healing lets it
 * catch up. Through launcher.json (ClusterControl.attach), as `npm run cluster` sees it.
 */
const WAIT_MS = 20_000;
let cluster: RunningCluster;

async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const value = await probe().catch((error: Error) => ((last = error.message), null));
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${WAIT_MS} ms (${last})`);
}

async function buy(url: string): Promise<void> {
  await until(`BUY via ${url}`, async () => {
    const response = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ethusdt', quantity: 1, type: 'BUY' }) });
    await response.arrayBuffer();
    return response.status === 200 ? true : null;
  });
}

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, redis: 'none', log: () => undefined });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('member add on a cluster with fault proxies', () => {
  it('puts the new member behind proxies both ways: a cut stops its log, a heal lets it catch up', async () => {
    await cluster.control.leader(WAIT_MS);
    await memberAdd(cluster.control, 'n4');
    await memberPromote(cluster.control, 'n4');
    const control = await ClusterControl.attach(cluster.dataDir);
    expect(control.nodeIds()).toEqual(['n1', 'n2', 'n3', 'n4']);
    const linked = (await control.status()).nodes.find((n) => n.id === 'n4');
    expect(linked?.process).toBe('up');
    if ((await control.leader(WAIT_MS)) === 'n4') await control.transfer('n1');
    const leaderUrl = control.nodeUrl(await control.leader(WAIT_MS));
    await buy(leaderUrl);
    const n4Url = control.nodeUrl('n4');
    const caughtUp = (await fetchClusterInfo(leaderUrl)).commitIndex;
    await until('n4 caught up', async () => ((await fetchClusterInfo(n4Url)).commitIndex >= caughtUp ? true : null));

    await control.partition('n4|n1,n2,n3');
    const st = await control.status();
    expect(st.nodes.find((n) => n.id === 'n4')?.cutTo).toEqual(['n1', 'n2', 'n3']);
    expect(st.nodes.find((n) => n.id === 'n4')?.cutFrom).toEqual(['n1', 'n2', 'n3']);
    await buy(leaderUrl);
    await buy(leaderUrl);
    const committed = (await fetchClusterInfo(leaderUrl)).commitIndex;
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await fetchClusterInfo(n4Url)).commitIndex, 'a cut-off member receives nothing').toBeLessThan(committed);

    await control.heal();
    await until('n4 catches up after the heal', async () => ((await fetchClusterInfo(n4Url)).commitIndex >= committed ? true : null));
  });
});
