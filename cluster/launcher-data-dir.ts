import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { readLauncherFile } from './launcher-file.js';

/**
 * The launcher's data dir: one marker file says it is ours (so --fresh never wipes a
 * directory it did not create), the cluster token and Redis password persist across restarts, and leftovers
 * of a launcher that died without stopping its children are found and reaped.
 */
export const DATA_DIR_MARKER = '.bazaar-data';
const CLUSTER_TOKEN_FILE = 'cluster-token';
const REDIS_PASSWORD_FILE = 'redis-password';
const SECRET_BYTES = 24;
/** Command-line fragments of the launcher's children, to recognise leftovers by /proc/<pid>/cmdline. */
const REAP_WAIT_MS = 5_000;
const REAP_POLL_MS = 50;
const CHILD_COMMAND_MARKERS = ['node-main.ts', 'exchange-main.ts', 'dynalite-main.ts', 'redis-server'];

export async function prepareDataDir(dataDir: string, fresh: boolean): Promise<void> {
  if (parse(dataDir).root === dataDir) throw new Error(`--data-dir must not be a filesystem root, got ${dataDir}`);
  await mkdir(dataDir, { recursive: true });
  const entries = await readdir(dataDir);
  if (entries.length > 0 && !entries.includes(DATA_DIR_MARKER)) {
    throw new Error(`${dataDir} is not empty and has no ${DATA_DIR_MARKER} marker: not a Bazaar data dir; choose another --data-dir`);
  }
  if (fresh) {
    await Promise.all(entries.map((entry) => rm(join(dataDir, entry), { recursive: true, force: true })));
  }
  await writeFile(join(dataDir, DATA_DIR_MARKER), 'Bazaar launcher data dir (npm start); safe to delete with --fresh\n');
}

/** The cluster token of this data dir, created on first use. */
export function clusterToken(dataDir: string): Promise<string> {
  return dataDirSecret(dataDir, CLUSTER_TOKEN_FILE);
}

/** The password of the launcher's redis-server for this data dir, created on first use. */
export function redisPassword(dataDir: string): Promise<string> {
  return dataDirSecret(dataDir, REDIS_PASSWORD_FILE);
}

/** A random hex secret kept in `<dataDir>/<file>` (mode 0600), generated on first use. */
async function dataDirSecret(dataDir: string, file: string): Promise<string> {
  const path = join(dataDir, file);
  if (existsSync(path)) {
    const secret = (await readFile(path, 'utf8')).trim();
    if (secret.length > 0) return secret;
  }
  const secret = randomBytes(SECRET_BYTES).toString('hex');
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function commandLine(pid: number): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    return null;
  }
}

/**
 * Refuse to start beside a live launcher of the same data dir; SIGKILL children left by one
 * that died (recognised by their command line). Returns a line per reaped pid.
 */
export async function checkPreviousLauncher(dataDir: string): Promise<string[]> {
  if (!existsSync(join(dataDir, 'launcher.json'))) return [];
  const previous = await readLauncherFile(dataDir).catch(() => null);
  if (previous === null || !previous.running) return [];
  if (previous.launcherPid !== process.pid && isAlive(previous.launcherPid)) {
    throw new Error(
      `a launcher (pid ${previous.launcherPid}) is already running on ${dataDir}; stop it (Ctrl-C) or use another --data-dir ` +
        `(if pid ${previous.launcherPid} is not a launcher, delete ${join(dataDir, 'launcher.json')})`,
    );
  }
  const reaped: string[] = [];
  const killed: number[] = [];
  for (const [name, pid] of Object.entries(previous.pids)) {
    if (!isAlive(pid)) continue;
    const command = await commandLine(pid);
    if (command === null || !CHILD_COMMAND_MARKERS.some((marker) => command.includes(marker))) continue;
    process.kill(pid, 'SIGKILL');
    killed.push(pid);
    reaped.push(`killed ${name} (pid ${pid}) left running by a previous launcher`);
  }
  // SIGKILL is asynchronous: wait for the exits so their ports are free again.
  const deadline = Date.now() + REAP_WAIT_MS;
  while (killed.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, REAP_POLL_MS));
  return reaped;
}
