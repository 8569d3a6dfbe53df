import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster, type RunningCluster } from './control.js';
import { isAlive } from './launcher-data-dir.js';

/**
 * startCluster (the in-process launcher jepsen-lite and bench use): free ports, no Redis,
 * state that survives a restart of the whole cluster, --fresh that wipes it.
 */
const RETRY_MS = 15_000;

const started: RunningCluster[] = [];
let dataDir = '';

async function retry<T>(what: string, attempt: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + RETRY_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== null) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${RETRY_MS} ms (${last})`);
}

async function buy(url: string): Promise<number> {
  return retry(`BUY via ${url}`, async () => {
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ethusdt', quantity: 3, type: 'BUY' }),
    });
    if (response.status === 503) return null;
    const body = (await response.json()) as { data: { transaction_number: number } };
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return body.data.transaction_number;
  });
}

async function quantity(url: string): Promise<number> {
  return retry(`GET /stocks via ${url}`, async () => {
    const response = await fetch(`${url}/stocks?stockname=ethusdt`);
    if (response.status === 503) return null;
    const body = (await response.json()) as { data: { quantity: number } };
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return body.data.quantity;
  });
}

async function start(fresh: boolean, lines: string[]): Promise<RunningCluster> {
  const cluster = await startCluster({ dataDir, fresh, redis: 'none', log: (line) => lines.push(line) });
  started.push(cluster);
  return cluster;
}

describe('startCluster', () => {
  afterAll(async () => {
    for (const cluster of started) await cluster.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes state after a full restart, and --fresh wipes it', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bazaar-start-cluster-'));
    const lines: string[] = [];
    const first = await start(false, lines);
    expect(lines.join('\n')).toContain('nodes run without the Redis cache');
    expect(first.flushCache).toBeUndefined();
    expect(first.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    await first.control.leader(30_000);
    const url = first.nodes[0]?.httpUrl ?? '';
    expect(await buy(url)).toBe(1);
    expect(await quantity(url)).toBe(97);
    const pids = Object.values(first.launcher.describe().pids);
    expect(pids.length).toBe(3 + 3 + 1 + 1); // nodes, exchanges, dynalite, the fault proxy (own process)
    expect(Object.keys(first.launcher.describe().pids)).toContain('toxiproxy');
    await first.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(join(dataDir, 'n1'))).toBe(true);

    const second = await start(false, lines);
    await second.control.leader(30_000);
    const url2 = second.nodes[1]?.httpUrl ?? '';
    expect(await quantity(url2)).toBe(97);
    expect(await buy(url2)).toBe(2);
    await second.stop();

    const third = await start(true, lines);
    await third.control.leader(30_000);
    expect(await quantity(third.nodes[2]?.httpUrl ?? '')).toBe(100);
    await third.stop();
  });

  it('runs without fault proxies (--no-proxy): nodes dial each other, cutting links is refused', async () => {
    const lines: string[] = [];
    const cluster = await startCluster({ redis: 'none', noProxy: true, log: (line) => lines.push(line) });
    started.push(cluster);
    expect(lines.join('\n')).toContain('toxiproxy: none (--no-proxy)');
    const info = cluster.launcher.describe();
    expect(info.proxies).toEqual([]);
    expect(Object.keys(info.pids)).not.toContain('toxiproxy');
    await cluster.control.leader(30_000);
    expect(await buy(cluster.nodes[0]?.httpUrl ?? '')).toBe(1);
    await expect(cluster.control.partition('n1|n2,n3')).rejects.toThrow(/without fault proxies/);
    await cluster.control.heal(); // nothing to heal: succeeds
    await cluster.stop();
  });

  it('kills and restarts a node through the bench-facing API', async () => {
    const cluster = await startCluster({ redis: 'none', log: () => undefined });
    started.push(cluster);
    const leader = await cluster.control.leader(30_000);
    await cluster.killNode(leader, 'SIGKILL');
    expect((await cluster.control.status()).nodes.find((n) => n.id === leader)?.process).toBe('down');
    const next = await cluster.control.waitForNewLeader(leader, 10_000);
    expect(next).not.toBe(leader);
    await cluster.restartNode(leader);
    expect((await cluster.control.status()).nodes.find((n) => n.id === leader)?.process).toBe('up');
    const temporaryDir = cluster.dataDir;
    await cluster.stop();
    expect(existsSync(temporaryDir)).toBe(false);
  });
});
