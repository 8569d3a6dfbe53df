/**
 * Ctrl-C (SIGINT) during a managed bench run stops the whole cluster the bench started: no node,
 * proxy, Redis or exchange process is left running.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const START_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 20_000;
const POLL_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The launcher's child PIDs once all three nodes run (launcher.json in the cluster dir the bench printed). */
async function clusterPids(stderr: () => string): Promise<number[]> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const dir = /\((\/[^)]*bazaar-cluster-[^/)]+)\//.exec(stderr())?.[1];
    const file = dir === undefined ? null : join(dir, 'launcher.json');
    if (file !== null && existsSync(file)) {
      const pids = (JSON.parse(readFileSync(file, 'utf8')) as { pids?: Record<string, number> }).pids ?? {};
      if (['n1', 'n2', 'n3'].every((id) => pids[id] !== undefined)) return Object.values(pids);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`no running cluster within ${START_TIMEOUT_MS} ms; bench said:\n${stderr()}`);
}

describe('bench interrupted', () => {
  it('stops every process of its managed cluster on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bench-main.ts', 'stocks-read', '--duration-s', '60', '--seed', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const pids = await clusterPids(() => stderr);
      expect(pids.length).toBeGreaterThanOrEqual(4);
      expect(pids.every(alive)).toBe(true);
      child.kill('SIGINT');
      const code = await Promise.race([exited, sleep(EXIT_TIMEOUT_MS).then(() => 'timeout' as const)]);
      expect(code, stderr).toBe(130);
      const deadline = Date.now() + EXIT_TIMEOUT_MS;
      while (pids.some(alive) && Date.now() < deadline) await sleep(POLL_MS);
      expect(pids.filter(alive), 'cluster processes still running').toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  }, START_TIMEOUT_MS + 3 * EXIT_TIMEOUT_MS);
});
