import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type RunningCluster } from '../../cluster/control.js';

/**
 * The web view in a real browser (Debian's headless Chromium through puppeteer-core; no browser
 * download) against a whole cluster started by the launcher `npm start` uses, on free ports,
 * with Redis. The page is served by a FOLLOWER. Checks: prices update within 3 s of load; the
 * candle chart shows at least one candle; a trade placed through the form shows in recent
 * orders and in GET /orders; after `npm run cluster -- kill <leader>` the cluster panel shows
 * the new leader within 3 s. Screenshots go to test-output/web-view/ (BAZAAR_TEST_OUTPUT_DIR).
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const OUTPUT_DIR = process.env['BAZAAR_TEST_OUTPUT_DIR'] ?? join(process.cwd(), 'test-output', 'web-view');
const PRICE_UPDATE_MS = 3_000;
const NEW_LEADER_SHOWN_MS = 3_000;
const CHART_MS = 15_000;
const CLUSTER_READY_MS = 30_000;
const run = promisify(execFile);

let cluster: RunningCluster;
let browser: Browser;
let page: Page;
let profileDir = '';

async function clusterStatus(url: string): Promise<{ role: string; leader: string | null; term: number }> {
  const res = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(2_000) });
  return (await res.json()) as { role: string; leader: string | null; term: number };
}

async function waitForLeader(): Promise<string> {
  const deadline = Date.now() + CLUSTER_READY_MS;
  while (Date.now() < deadline) {
    const node = cluster.nodes[0];
    const leader = node === undefined ? null : await clusterStatus(node.httpUrl).then((s) => s.leader, () => null);
    if (leader !== null) return leader;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no leader within ${CLUSTER_READY_MS} ms`);
}

/** Wait for the first hot asset's price to be in Redis (the pipeline runs) before loading the page. */
async function waitForPrices(url: string): Promise<void> {
  const deadline = Date.now() + CLUSTER_READY_MS;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/prices?assets=btcusdt`).catch(() => null);
    if (res?.ok && ((await res.json()) as { prices: unknown[] }).prices.length === 1) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no price within ${CLUSTER_READY_MS} ms`);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(OUTPUT_DIR, name) as `${string}.png`, fullPage: true });
}

describe.skipIf(!existsSync(CHROMIUM))('web view in headless Chromium', () => {
  let leader = '';
  let followerUrl = '';

  beforeAll(async () => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    cluster = await startCluster({ redis: 'auto', log: () => undefined });
    leader = await waitForLeader();
    const follower = cluster.nodes.find((n) => n.id !== leader);
    if (follower === undefined) throw new Error('no follower');
    followerUrl = follower.httpUrl;
    await waitForPrices(followerUrl);
    profileDir = await mkdtemp(join(tmpdir(), 'bazaar-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profileDir,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--window-size=1400,1000',
      ],
      defaultViewport: { width: 1400, height: 1000 },
    });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    (page as unknown as { pageErrors: string[] }).pageErrors = errors;
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await cluster?.stop();
    if (profileDir !== '') await rm(profileDir, { recursive: true, force: true });
  });

  it('served by a follower: prices update within 3 s of load, and the chart shows candles', async () => {
    expect((await clusterStatus(followerUrl)).role).toBe('follower');
    await page.goto(`${followerUrl}/`, { waitUntil: 'domcontentloaded' });
    const loadedAt = Date.now();
    await page.waitForFunction("Number(document.getElementById('prices').dataset.updates ?? 0) >= 1", { timeout: PRICE_UPDATE_MS });
    const firstUpdateMs = Date.now() - loadedAt;
    const btc = await page.$eval('#prices tr[data-asset="btcusdt"] .price', (td) => td.textContent ?? '');
    expect(Number(btc.replaceAll(',', ''))).toBeGreaterThan(0);
    await page.waitForFunction("Number(document.getElementById('chart').dataset.candles ?? 0) >= 1", { timeout: CHART_MS });
    expect(await page.$$eval('#chart canvas', (c) => c.length)).toBeGreaterThan(0);
    expect(await page.$eval('#banner', (b) => b.hasAttribute('hidden'))).toBe(true);
    await screenshot('web-view-prices.png');
    expect((page as unknown as { pageErrors: string[] }).pageErrors).toEqual([]);
    console.log(`[web-view] first price update ${firstUpdateMs} ms after load`);
  });

  it('a trade placed through the form appears in recent orders and in GET /orders', async () => {
    await page.click('#trade-name', { count: 3 });
    await page.type('#trade-name', 'ethusdt');
    await page.select('#trade-type', 'BUY');
    await page.click('#trade-quantity', { count: 3 });
    await page.type('#trade-quantity', '3');
    await page.click('#trade-submit');
    await page.waitForSelector('#trade-status[data-last-order]', { timeout: 10_000 });
    const number = Number(await page.$eval('#trade-status', (p) => p.getAttribute('data-last-order')));
    expect(number).toBeGreaterThan(0);
    await page.waitForSelector(`#orders tr[data-number="${number}"]`, { timeout: 5_000 });
    const cells = await page.$$eval(`#orders tr[data-number="${number}"] td`, (tds) => tds.map((td) => td.textContent));
    expect(cells.slice(0, 4)).toEqual([String(number), 'ethusdt', 'BUY', '3']);
    const listed = (await (await fetch(`${followerUrl}/orders?limit=20`)).json()) as { data: { number: number; name: string; type: string; quantity: number }[] };
    expect(listed.data.find((o) => o.number === number)).toMatchObject({ name: 'ethusdt', type: 'BUY', quantity: 3 });
    await screenshot('web-view-trade.png');
  });

  it('after `npm run cluster -- kill <leader>` the cluster panel shows the new leader within 3 s', async () => {
    await page.waitForSelector(`#cluster[data-leader="${leader}"]`, { timeout: 3_000 });
    await run('npm', ['run', '--silent', 'cluster', '--', '--data-dir', cluster.dataDir, 'kill', leader], { cwd: process.cwd(), timeout: 30_000 });
    const killedAt = Date.now();
    await page.waitForSelector(`#cluster:not([data-leader=""]):not([data-leader="${leader}"])`, { timeout: NEW_LEADER_SHOWN_MS });
    const shownMs = Date.now() - killedAt;
    const shown = await page.$eval('#cluster', (t) => t.getAttribute('data-leader'));
    expect((await clusterStatus(followerUrl)).leader).toBe(shown);
    await screenshot('web-view-new-leader.png');
    console.log(`[web-view] new leader ${shown} shown ${shownMs} ms after the kill command returned`);
  });
});
