/**
 * README as a test: every `curl` and `npm run cluster` line of README.md's REST API and cluster
 * sections, in order, against a fresh `npm start` on free ports (README's ports shifted by the
 * base port, `--data-dir` added to cluster commands). Each must answer what its comment says
 * (readme-commands.ts). Lines added to README are picked up; nothing is listed here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../launcher-data-dir.js';
import { readLauncherFile } from '../launcher-file.js';
import { REPO_ROOT } from '../launcher-services.js';
import { DEFAULT_BASE_PORT } from '../port-plan.js';
import { expectation, missingKeys, readmeCommands, shiftPorts, type ReadmeCommand } from './readme-commands.js';
import { pickTestBasePort } from '../testing/base-port.js';

const START_TIMEOUT_MS = 150_000;
const RETRY_MS = 20_000;
const RETRY_PAUSE_MS = 250;
const COMMAND_TIMEOUT_MS = 60_000;
const SHORT_TEXT_CHARS = 100;
const OUTPUT_KEPT_CHARS = 100_000;

let dataDir = '';
let offset = 0;
let launcher: ChildProcess | null = null;
let output = '';
const commands = readmeCommands(await readFile(join(REPO_ROOT, 'README.md'), 'utf8'));


function sh(command: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('bash', ['-c', command], { cwd: REPO_ROOT, encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
}

function cluster(command: string): string {
  return command.replace(/^npm run cluster -- /, `npm run --silent cluster -- --data-dir '${dataDir}' `);
}

async function retrying<T>(what: string, attempt: () => T | null): Promise<T> {
  const deadline = Date.now() + RETRY_MS;
  while (true) {
    const result = attempt();
    if (result !== null) return result;
    if (Date.now() > deadline) throw new Error(`${what}: still failing after ${RETRY_MS} ms`);
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
}

/** Runs a curl line with `-sS -w` appended; a 503 (no leader yet, election) is retried. */
async function runCurl(c: ReadmeCommand): Promise<void> {
  const command = `${shiftPorts(c.command, offset)} -sS -w '\\n%{http_code} %{content_type}'`;
  const run = await retrying(`README line ${c.line}`, () => {
    const result = sh(command);
    return result.stdout.endsWith(' ') || /\n503 /.test(result.stdout.slice(result.stdout.lastIndexOf('\n'))) ? null : result;
  });
  const cut = run.stdout.lastIndexOf('\n');
  const body = run.stdout.slice(0, cut);
  const [statusText = '', contentType = ''] = run.stdout.slice(cut + 1).split(' ');
  const status = Number(statusText);
  const want = expectation(c.comment);
  const where = `README line ${c.line}: ${c.command}\n  -> ${status} ${body.slice(0, 300)}`;
  if (want.status === null) expect(status >= 200 && status < 300, where).toBe(true);
  else expect(status, where).toBe(want.status);
  if (want.shape !== null) {
    expect(contentType, where).toMatch(/application\/json/);
    expect(missingKeys(want.shape, JSON.parse(body)), where).toEqual([]);
  } else if (!contentType.includes('json') && body.length < SHORT_TEXT_CHARS && want.text !== '') {
    expect(body.trim(), where).toBe(want.text);
  }
  if (status >= 400) expect(JSON.parse(body), where).toMatchObject({ error: { code: status, message: expect.any(String) } });
}

/** Runs a cluster line; a failure is retried once a leader is back (elections after kills). */
async function runCluster(c: ReadmeCommand): Promise<void> {
  const run = await retrying(`README line ${c.line}`, () => {
    const result = sh(cluster(c.command));
    if (result.status === 0) return result;
    console.log(`README line ${c.line} failed (${result.status}), retrying: ${result.stderr.trim()}`);
    sh(cluster('npm run cluster -- leader --wait-ms 10000'));
    return null;
  });
  expect(run.stdout.trim().length, `README line ${c.line}: ${c.command} printed nothing`).toBeGreaterThan(0);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bazaar-readme-'));
  const basePort = await pickTestBasePort('README test');
  offset = basePort - DEFAULT_BASE_PORT;
  console.log(`README test: base port ${basePort}, data dir ${dataDir}, ${commands.length} commands`);
  launcher = spawn('npm', ['start', '--', '--base-port', String(basePort), '--fresh', '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
  };
  launcher.stdout?.on('data', keep);
  launcher.stderr?.on('data', keep);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes('launcher: cluster up')) {
    if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up: ${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(sh(cluster('npm run cluster -- leader --wait-ms 30000')).status).toBe(0);
}, START_TIMEOUT_MS + 40_000);

afterAll(async () => {
  const pids = new Set<number>();
  try {
    const file = await readLauncherFile(dataDir);
    pids.add(file.launcherPid);
    for (const pid of Object.values(file.pids)) pids.add(pid);
  } catch {
    // never started
  }
  if (launcher?.pid !== undefined && launcher.exitCode === null) {
    try {
      process.kill(-launcher.pid, 'SIGINT');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + 15_000;
  while ([...pids].some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

describe('README.md commands against npm start', () => {
  it('README has commands in its API and cluster sections', () => {
    expect(commands.some((c) => c.command.startsWith('curl'))).toBe(true);
    expect(commands.some((c) => c.command.startsWith('npm run cluster'))).toBe(true);
  });

  for (const c of commands) {
    it(`line ${c.line}: ${c.command.slice(0, 90)}`, async () => {
      if (c.command.startsWith('curl')) await runCurl(c);
      else await runCluster(c);
    });
  }
});
