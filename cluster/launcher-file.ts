import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `<data>/launcher.json`: how to reach a running launcher and what it started. Rewritten
 * (atomically, mode 0600: it holds tokens) whenever a pid changes; `running` false after stop.
 */
export const LAUNCHER_FILE_NAME = 'launcher.json';
export const LAUNCHER_FILE_VERSION = 1;
const LAUNCHER_FILE_BYTES_MAX = 1024 * 1024;

export interface NodeEntry {
  readonly id: string;
  readonly httpUrl: string;
  /** The node's own gRPC listen address. */
  readonly grpcAddress: string;
}

export interface ExchangeEntry {
  readonly id: string;
  readonly url: string;
}

export interface ProxyEntry {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly listen: string;
  readonly upstream: string;
}

export interface LauncherFile {
  readonly version: number;
  readonly running: boolean;
  readonly launcherPid: number;
  readonly startedAtMs: number;
  readonly dataDir: string;
  readonly logsDir: string;
  /** Loopback control API of the launcher (kill/start/restart/pause/resume). */
  readonly controlUrl: string;
  readonly controlToken: string;
  readonly clusterId: string;
  readonly clusterToken: string;
  readonly nodes: readonly NodeEntry[];
  readonly exchanges: readonly ExchangeEntry[];
  /** Null when the nodes run without the cache. `managed`: started (and killable) by the launcher. */
  readonly redis: { readonly url: string; readonly managed: boolean } | null;
  readonly dynamodbEndpoint: string;
  readonly toxiproxyUrl: string;
  readonly proxies: readonly ProxyEntry[];
  /** Pid of every live child by process name (n1, exchange1, redis, dynamodb, ...). */
  readonly pids: Readonly<Record<string, number>>;
}

export function launcherFilePath(dataDir: string): string {
  return join(dataDir, LAUNCHER_FILE_NAME);
}

export async function writeLauncherFile(dataDir: string, file: LauncherFile): Promise<void> {
  const path = launcherFilePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

function requireField(record: Record<string, unknown>, key: string, type: 'string' | 'number' | 'boolean' | 'object', path: string): void {
  const value = record[key];
  if (typeof value !== type || value === null) throw new Error(`${path}: field "${key}" must be a ${type}`);
}

/** Read and check launcher.json; precise errors when missing or malformed. */
export async function readLauncherFile(dataDir: string): Promise<LauncherFile> {
  const path = launcherFilePath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`no launcher found: ${path} does not exist (start one with npm start, or pass --data-dir)`);
    }
    throw error;
  }
  if (text.length > LAUNCHER_FILE_BYTES_MAX) throw new Error(`${path}: larger than ${LAUNCHER_FILE_BYTES_MAX} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a JSON object`);
  const record = parsed as Record<string, unknown>;
  if (record['version'] !== LAUNCHER_FILE_VERSION) throw new Error(`${path}: version ${String(record['version'])}, expected ${LAUNCHER_FILE_VERSION}`);
  for (const key of ['controlUrl', 'controlToken', 'clusterToken', 'dataDir', 'logsDir', 'toxiproxyUrl', 'dynamodbEndpoint']) {
    requireField(record, key, 'string', path);
  }
  requireField(record, 'running', 'boolean', path);
  requireField(record, 'launcherPid', 'number', path);
  requireField(record, 'pids', 'object', path);
  for (const key of ['nodes', 'exchanges', 'proxies']) {
    if (!Array.isArray(record[key])) throw new Error(`${path}: field "${key}" must be an array`);
  }
  return parsed as LauncherFile;
}
