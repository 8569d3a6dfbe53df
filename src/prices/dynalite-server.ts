/**
 * Embedded DynamoDB (dynalite on LevelDB) for local runs and tests. `startDynalite` runs it
 * in this process; `dynalite-main.ts` wraps it as a child process (the launcher runs one
 * shared instance for the cluster). dynalite has no UpdateTimeToLive and no transactions.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface DynaliteOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** LevelDB directory; null keeps the data in memory. */
  path: string | null;
}

export interface RunningDynalite {
  /** e.g. `http://127.0.0.1:8000` — pass as DYNAMODB_ENDPOINT. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Table state transitions (CREATING -> ACTIVE) take this long in dynalite. */
const TABLE_TRANSITION_MS = 20;

export async function startDynalite(options: DynaliteOptions): Promise<RunningDynalite> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`dynalite port must be an integer 0..65535, got ${options.port}`);
  }
  if (options.path !== null) await mkdir(options.path, { recursive: true });
  const server = dynalite({
    ...(options.path === null ? {} : { path: options.path }),
    createTableMs: TABLE_TRANSITION_MS,
    deleteTableMs: TABLE_TRANSITION_MS,
    updateTableMs: TABLE_TRANSITION_MS,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`dynalite cannot listen on ${options.host}:${options.port}: ${err.message}`)));
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
