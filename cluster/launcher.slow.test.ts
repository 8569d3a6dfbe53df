import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '../src/cache/redis-server.js';
import { ClusterControl } from './cluster-control.js';
import { isAlive } from './launcher-data-dir.js';
import { readLauncherFile } from './launcher-file.js';
import { REPO_ROOT } from './launcher-services.js';
import { DEFAULT_BASE_PORT } from './port-plan.js';
import { CATALOG_FILE } from './launcher-catalog.js';
import { readmeBlocks, shiftPorts } from './repo/readme-commands.js';
import { pickTestBasePort } from './testing/base-port.js';

/**
 * `npm start` end to end, as a user runs it: a real launcher process (own process group, as a
 * terminal would run it), driven by `npm run cluster`, stopped by SIGINT to its group (Ctrl-C).
 */
const START_TIMEOUT_MS = 150_000;
const FAILOVER_MS_MAX = 2_000;
const SHUTDOWN_MS_MAX = 10_000;
const TRADE_RETRY_MS = 15_000;
const OUTPUT_KEPT_CHARS = 200_000;
const POLL_MS = 20;

let dataDir = '';
let catalogFile = '';
let basePort = 0;
const SEED_STOCKS = Array.from({ length: 10 }, (_, i) => `stock${i + 1}`);
let launcher: ChildProcess | null = null;
let output = '';
const seenPids = new Set<number>();


function run(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function runBash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('bash', ['-c', script]);
}

async function cli(...args: string[]): Promise<string> {
  const result = await run('npm', ['run', '--silent', 'cluster', '--', '--data-dir', dataDir, ...args]);
  if (result.code !== 0) throw new Error(`cluster ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last})\nlauncher output:\n${output.slice(-4000)}`);
}

async function trade(url: string): Promise<number> {
  return waitFor(`BUY through ${url}`, TRADE_RETRY_MS, async () => {
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'btcusdt', quantity: 1, type: 'BUY' }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as { data?: { transaction_number?: number } };
    if (response.status === 503) return null;
    if (response.status !== 200) throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(body)}`);
    return body.data?.transaction_number ?? null;
  });
}

async function stock(url: string): Promise<{ quantity: number; volume: number }> {
  return waitFor(`GET /stocks through ${url}`, TRADE_RETRY_MS, async () => {
    const response = await fetch(`${url}/stocks?stockname=btcusdt`, { signal: AbortSignal.timeout(5_000) });
    if (response.status === 503) return null;
    const body = (await response.json()) as { data: { quantity: number; volume: number } };
    if (response.status !== 200) throw new Error(`GET /stocks answered ${response.status}`);
    return body.data;
  });
}

async function rememberPids(): Promise<void> {
  const file = await readLauncherFile(dataDir);
  seenPids.add(file.launcherPid);
  for (const pid of Object.values(file.pids)) seenPids.add(pid);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

describe('npm start (launcher) end to end', () => {
  let control: ClusterControl;
  let trades = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bazaar-launcher-'));
    // The seed bazaar's catalog, plus the symbol the trades below use: npm start -- --symbols FILE.
    catalogFile = join(await mkdtemp(join(tmpdir(), 'bazaar-catalog-')), 'stocks.csv');
    await writeFile(catalogFile, `name,symbol\nBitcoin,BTCUSDT\n${SEED_STOCKS.map((s) => `${s},${s}`).join('\n')}\n`);
    basePort = await pickTestBasePort('launcher e2e');
    console.log(`launcher e2e: base port ${basePort}, data dir ${dataDir}`);
    launcher = spawn('npm', ['start', '--', '--base-port', String(basePort), '--fresh', '--data-dir', dataDir, '--symbols', catalogFile], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
    };
    launcher.stdout?.on('data', keep);
    launcher.stderr?.on('data', keep);
    const child = launcher;
    await waitFor('launcher up', START_TIMEOUT_MS, async () => {
      if (child.exitCode !== null) throw new Error(`launcher exited ${child.exitCode}: ${output}`);
      return output.includes('launcher: cluster up') ? true : null;
    });
    await rememberPids();
    control = await ClusterControl.attach(dataDir);
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    if (launcher?.pid !== undefined && launcher.exitCode === null && launcher.signalCode === null) {
      try {
        process.kill(-launcher.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const pid of seenPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
    if (catalogFile !== '') await rm(dirname(catalogFile), { recursive: true, force: true });
  });

  it('prints the endpoint table and elects a leader', async () => {
    for (const service of ['n1 HTTP', 'n3 gRPC', 'exchange3', 'Redis', 'DynamoDB', 'Toxiproxy API', 'control API']) expect(output).toContain(service);
    const leader = await control.leader(30_000);
    expect(control.nodeIds()).toContain(leader);
    expect(await cli('leader')).toBe(leader);
  });

  it('trades and reads through every node', async () => {
    for (const url of control.nodeUrls()) {
      const number = await trade(url);
      trades += 1;
      expect(number).toBe(trades);
      for (const reader of control.nodeUrls()) expect(await stock(reader)).toMatchObject({ quantity: 100 - trades, volume: trades });
    }
  });

  it('cluster kill <leader>: a new leader within 2 s and trades continue', async () => {
    const old = await control.leader(5_000);
    const oldPid = (await readLauncherFile(dataDir)).pids[old];
    if (oldPid === undefined) throw new Error(`no pid for ${old}`);
    // Time from the moment the leader's process is gone (not from the CLI's own start-up).
    const killedAt = waitFor(`${old} gone`, 60_000, async () => (isAlive(oldPid) ? null : Date.now()));
    await cli('kill', old);
    const killedAtMs = await killedAt;
    const next = await control.waitForNewLeader(old, FAILOVER_MS_MAX + 5_000);
    const failoverMs = Date.now() - killedAtMs;
    console.log(`launcher e2e: killed leader ${old}, new leader ${next} after ${failoverMs} ms`);
    expect(failoverMs).toBeLessThanOrEqual(FAILOVER_MS_MAX);
    const status = await control.status();
    expect(status.nodes.find((n) => n.id === old)?.process).toBe('down');
    for (const id of control.nodeIds().filter((id) => id !== old)) {
      trades += 1;
      expect(await trade(control.nodeUrl(id))).toBe(trades);
      expect(await stock(control.nodeUrl(id))).toMatchObject({ quantity: 100 - trades, volume: trades });
    }
    await cli('start', old);
    await rememberPids();
    expect((await control.status()).nodes.find((n) => n.id === old)?.process).toBe('up');
  });

  it('cluster partition isolate-leader, then heal', async () => {
    const old = await control.leader(10_000);
    expect(await cli('partition', 'isolate-leader')).toContain(`partitioned: ${old} |`);
    const cut = await control.status();
    expect(cut.nodes.find((n) => n.id === old)?.cutTo.length).toBe(2);
    const next = await control.waitForNewLeader(old, 15_000);
    const majority = control.nodeIds().filter((id) => id !== old);
    expect(majority).toContain(next);
    for (const id of majority) {
      trades += 1;
      expect(await trade(control.nodeUrl(id))).toBe(trades);
    }
    expect(await cli('heal')).toContain('healed');
    const healed = await control.status();
    expect(healed.faultyLinks).toEqual([]);
    await waitFor(`${old} follows again`, 15_000, async () => {
      const status = await control.status();
      const node = status.nodes.find((n) => n.id === old)?.cluster;
      return node !== null && node !== undefined && node.leader !== null && node.leader === status.leader ? true : null;
    });
    trades += 1;
    expect(await trade(control.nodeUrl(old))).toBe(trades);
    expect(await stock(control.nodeUrl(old))).toMatchObject({ quantity: 100 - trades, volume: trades });
  });

  it('fault APIs need the token (exchanges, proxies); `exchange N reset` and `heal` clear exchange faults', async () => {
    const [first, second] = control.exchangeUrls();
    if (first === undefined || second === undefined) throw new Error('expected 3 exchanges');
    const anonymous = await fetch(`${first}/mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"down":true}' });
    expect(anonymous.status).toBe(401);
    const file = await readLauncherFile(dataDir);
    expect((await fetch(`${file.toxiproxyUrl}/proxies`)).status).toBe(401);
    expect((await fetch(`${file.toxiproxyUrl}/reset`, { method: 'POST' })).status).toBe(401);
    const faultsOf = async (url: string): Promise<Record<string, unknown>> => (await (await fetch(`${url}/mock/faults`)).json()) as Record<string, unknown>;
    expect(await faultsOf(first)).toMatchObject({ down: false });
    expect(JSON.parse(await cli('exchange', '1', '{"latencyMs":5}'))).toMatchObject({ latencyMs: 5 });
    expect(JSON.parse(await cli('exchange', '1', '{"errorRate":0.5}'))).toMatchObject({ latencyMs: 5, errorRate: 0.5 });
    expect(JSON.parse(await cli('exchange', '1', 'reset'))).toMatchObject({ latencyMs: 0, errorRate: 0 });
    await cli('exchange', '2', '{"frozen":true,"latencyMs":7}');
    expect(await faultsOf(second)).toMatchObject({ frozen: true, latencyMs: 7 });
    expect(await cli('heal')).toContain('exchange faults off');
    expect(await faultsOf(second)).toMatchObject({ frozen: false, latencyMs: 0 });
  });

  it('Redis needs the generated password (0600 file): an anonymous client cannot SET a price', async () => {
    const file = await readLauncherFile(dataDir);
    if (file.redis === null) throw new Error('launcher started no Redis (redis-server missing?)');
    const url = new URL(file.redis.url);
    const password = (await readFile(join(dataDir, 'redis-password'), 'utf8')).trim();
    expect(decodeURIComponent(url.password)).toBe(password);
    expect((await stat(join(dataDir, 'redis-password'))).mode & 0o777).toBe(0o600);
    expect(await redisAnswers(url.hostname, Number(url.port), null)).toBe(false);
    expect(await redisAnswers(url.hostname, Number(url.port), password)).toBe(true);
    expect(output).not.toContain(password);
  });

  it('reports a crashed child with its exit and log tail, keeps the rest running; CLI errors exit non-zero', async () => {
    const file = await readLauncherFile(dataDir);
    const victim = file.pids['exchange3'];
    expect(victim).toBeDefined();
    process.kill(victim ?? 0, 'SIGKILL');
    await waitFor('crash report', 10_000, async () => (output.includes(`exchange3 (pid ${victim}) CRASHED with signal SIGKILL`) ? true : null));
    expect(output).toContain('exchange3.log');
    const status = await control.status();
    expect(status.nodes.every((n) => n.process === 'up')).toBe(true);
    const bad = await run('npm', ['run', '--silent', 'cluster', '--', '--data-dir', dataDir, 'kill', 'n9']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown node "n9"');
  });

  it('serves the --symbols catalog; README\'s seed client session runs against it', async () => {
    expect(await readFile(join(dataDir, CATALOG_FILE), 'utf8')).toBe(`symbol\nbtcusdt\n${SEED_STOCKS.join('\n')}\n`);
    const url = control.nodeUrl('n1');
    const known = await fetch(`${url}/stocks?stockname=stock7`);
    expect(known.status).toBe(200);
    expect(await known.json()).toMatchObject({ data: { name: 'stock7', quantity: 100, volume: 0 } });
    expect((await fetch(`${url}/stocks?stockname=ethusdt`)).status).toBe(404);
    const session = readmeBlocks(await readFile(join(REPO_ROOT, 'README.md'), 'utf8'), 'Your own catalog').find((block) => block.includes('for i in'));
    if (session === undefined) throw new Error('README has no client session under "Your own catalog"');
    const seed = randomInt(32_768);
    console.log(`launcher e2e: README client session with RANDOM=${seed}`);
    const run = await runBash(`RANDOM=${seed}\n${shiftPorts(session, basePort - DEFAULT_BASE_PORT)}`);
    expect(run.code, run.stderr).toBe(0);
    const replies = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { data?: { name?: string } });
    expect(replies.length).toBeGreaterThanOrEqual(20);
    expect(replies.filter((reply) => !SEED_STOCKS.includes(reply.data?.name ?? ''))).toEqual([]);
  });

  it('Ctrl-C (SIGINT to the group) stops every child within 10 s', async () => {
    await rememberPids();
    const { launcherPid } = await readLauncherFile(dataDir);
    const child = launcher;
    if (child?.pid === undefined) throw new Error('launcher not running');
    const startMs = Date.now();
    // As a terminal does on Ctrl-C: npm, tsx and the launcher all get SIGINT (npm exits at once).
    process.kill(-child.pid, 'SIGINT');
    await waitFor('launcher exit', SHUTDOWN_MS_MAX + 5_000, async () => (isAlive(launcherPid) ? null : true));
    const stopMs = Date.now() - startMs;
    console.log(`launcher e2e: stopped in ${stopMs} ms; pids checked: ${[...seenPids].join(' ')}`);
    expect(stopMs).toBeLessThanOrEqual(SHUTDOWN_MS_MAX);
    expect([...seenPids].filter(isAlive)).toEqual([]);
    await exited(child);
    expect(output).toContain('launcher: stopped');
    const file = await readLauncherFile(dataDir);
    expect(file.running).toBe(false);
  });
});
