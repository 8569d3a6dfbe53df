import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildReply } from './load-child.js';
import { validateLoadSpec } from './run-load.js';
import { STOP_MESSAGE, type LoadResult, type LoadSpec } from './types.js';

/** Beyond the run's duration, the child gets this long to drain and reply before it is killed. */
export const CHILD_GRACE_MS = 30_000;

const CHILD_ENTRY = fileURLToPath(new URL('./load-child.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Run a LoadSpec in a separate Node process (its own event loop and CPU accounting).
 * Aborting `stop` ends the run early (no new requests; those in flight finish).
 */
export async function runLoadInChild(spec: LoadSpec, stop: AbortSignal | null = null): Promise<LoadResult> {
  validateLoadSpec(spec);
  const child = fork(CHILD_ENTRY, [], { execArgv: ['--import', TSX_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pid = child.pid;
  return new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    const timeoutMs = spec.durationMs + spec.requestTimeoutMs + CHILD_GRACE_MS;
    const timer = setTimeout(() => {
      finish(new Error(`load generator (pid ${pid}) did not finish within ${timeoutMs} ms; killed`));
    }, timeoutMs);
    const finish = (outcome: Error | LoadResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    child.once('message', (msg: ChildReply) => {
      if ('error' in msg) finish(new Error(`load generator failed: ${msg.error}`));
      else finish(msg.result);
    });
    child.once('error', (err) => finish(new Error(`load generator process error: ${err.message}`)));
    child.once('exit', (code, signal) => finish(new Error(`load generator exited early (code ${code}, signal ${signal})`)));
    child.send(spec);
    const onStop = (): void => {
      if (!settled && child.connected) child.send(STOP_MESSAGE);
    };
    if (stop !== null) {
      if (stop.aborted) onStop();
      else stop.addEventListener('abort', onStop, { once: true });
    }
  });
}
