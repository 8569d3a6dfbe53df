/**
 * Child processes for integration tests and the refresh bench: mock exchanges and dynalite
 * (redis-server: src/cache/redis-server.ts), all on loopback and free ports. Each returns its pid and a stop() that kills
 * exactly that pid (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildHandle {
  pid: number;
  /** What the process printed when ready (e.g. its URL). */
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const OUTPUT_KEPT_CHARS = 4_000;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
}

/** Spawn and wait until a line of its output matches `ready`; its first group is the url. */
async function spawnReady(command: string, args: string[], ready: RegExp, what: string): Promise<ChildHandle> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  if (child.pid === undefined) throw new Error(`${what}: spawn failed`);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not ready after ${READY_TIMEOUT_MS} ms; output: ${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: exited with ${code} before ready; output: ${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { pid: child.pid, url, stop: stopper(child) };
}

export function startExchangeProcess(options: { id: string; symbolsFile: string; seed?: number; extraArgs?: string[] }): Promise<ChildHandle> {
  const args = ['--import', 'tsx', 'src/exchange/exchange-main.ts', '--id', options.id, '--port', '0', '--host', '127.0.0.1'];
  args.push('--symbols-file', options.symbolsFile, '--seed', String(options.seed ?? 42), ...(options.extraArgs ?? []));
  return spawnReady(process.execPath, args, /listening on (http:\/\/[0-9.:]+)/, `exchange ${options.id}`);
}

export function startDynaliteProcess(dir: string): Promise<ChildHandle> {
  const args = ['--import', 'tsx', 'src/prices/dynalite-main.ts', '--port', '0', '--path', dir];
  return spawnReady(process.execPath, args, /dynalite listening on (http:\/\/[0-9.:]+)/, 'dynalite');
}

/** POST /mock/faults on an exchange. */
export async function setExchangeFaults(url: string, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`set faults on ${url}: HTTP ${res.status} ${await res.text()}`);
}

export interface ExchangeStatsView {
  requests: number;
  quotesServed: number;
  perSymbol: Record<string, number>;
}

export async function exchangeStats(url: string, symbols: readonly string[] = []): Promise<ExchangeStatsView> {
  const res = await fetch(`${url}/mock/stats?symbols=${symbols.join(',')}`);
  return (await res.json()) as ExchangeStatsView;
}
