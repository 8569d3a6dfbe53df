import { fileURLToPath } from 'node:url';
import { spawn, stopChild, TSX_IMPORT_ARGS, waitForLine } from '../support/child-process.js';

export const BASELINE_START_TIMEOUT_MS = 20_000;
const ENTRY = fileURLToPath(new URL('./fastify-redis-server.ts', import.meta.url));

export interface BaselineServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Start the Fastify + ioredis baseline as a child process on a free loopback port. */
export async function startBaselineServer(redisUrl: string): Promise<BaselineServer> {
  const child = spawn(process.execPath, [...TSX_IMPORT_ARGS, ENTRY, '--redis-url', redisUrl, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await waitForLine(child, 'baseline server', BASELINE_START_TIMEOUT_MS, (line) => {
    try {
      const parsed = JSON.parse(line) as { listening?: unknown };
      return typeof parsed.listening === 'number' ? parsed.listening : undefined;
    } catch {
      return undefined;
    }
  });
  child.stdout.resume();
  child.stderr.pipe(process.stderr);
  const pid = child.pid;
  if (pid === undefined) throw new Error('baseline server: no pid');
  return { url: `http://127.0.0.1:${port}`, pid, stop: () => stopChild(child) };
}
