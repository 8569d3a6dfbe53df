import { Pool } from 'undici';
import { loopbackOrigin } from './loopback.js';
import type { RequestSpec } from './types.js';

export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** Response bodies are drained up to this size; larger ones close the connection. */
export const RESPONSE_BYTES_MAX = 1024 * 1024;

export type SendOutcome = { status: number } | { error: string };

/** A keep-alive connection pool to one loopback origin (undici Pool, no pipelining). */
export class HttpTarget {
  private readonly pool: Pool;

  constructor(
    readonly origin: string,
    connections: number,
    private readonly requestTimeoutMs: number,
  ) {
    if (!Number.isInteger(connections) || connections < 1) {
      throw new Error(`connections must be an integer >= 1, got ${connections}`);
    }
    this.pool = new Pool(loopbackOrigin(origin), {
      connections,
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
      connectTimeout: requestTimeoutMs,
    });
  }

  /**
   * Send one request and drain its body. Never throws: errors become `{ error: code }`.
   * headersTimeout/bodyTimeout bound a dispatched request; time queued for a connection is
   * bounded by the callers (closed loop: no queue; open loop: the outstanding cap).
   */
  async send(req: RequestSpec): Promise<SendOutcome> {
    try {
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      const res = await this.pool.request({
        path: req.path,
        method: req.method,
        headers,
        body: req.body ?? null,
      });
      await res.body.dump({ limit: RESPONSE_BYTES_MAX });
      return { status: res.statusCode };
    } catch (err) {
      return { error: errorCode(err) };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function errorCode(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const cause = (err as Error & { cause?: { code?: unknown } }).cause;
    if (typeof cause?.code === 'string') return cause.code;
    return err.name;
  }
  return 'unknown-error';
}
