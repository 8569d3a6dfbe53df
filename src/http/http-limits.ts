/**
 * Named bounds of the HTTP server of a node, validated once. Every socket has a header, a body
 * and an idle keep-alive timeout, and the node accepts a bounded number of connections: a slow
 * client can never hold a node's sockets forever.
 */
export interface HttpLimits {
  /** Largest request body accepted (413 above). */
  readonly bodyLimitBytes: number;
  /** Time to receive the whole request head (request line + headers); 408 after it. */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a partial body times out); 408 after it. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection (no request in progress) is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** How often the server checks the header and request timeouts (their resolution). */
  readonly timeoutCheckIntervalMs: number;
  /** Concurrent connections of one node; further connections are closed at once. */
  readonly connectionsMax: number;
  /** Requests served on one keep-alive connection before it is closed (0: no limit). */
  readonly requestsPerConnectionMax: number;
}

export const HTTP_LIMITS_DEFAULT: HttpLimits = {
  bodyLimitBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
  connectionsMax: 10_000,
  requestsPerConnectionMax: 0,
};

/** Node's http parser refuses request heads (request line + headers) above this many bytes: 431. */
export const HTTP_HEAD_BYTES_MAX = 16 * 1024;

function positiveInteger(name: string, value: number, min = 1): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${value}`);
}

/** Defaults overridden by `overrides`, checked; throws a precise message on the first bad value. */
export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...HTTP_LIMITS_DEFAULT, ...overrides };
  positiveInteger('bodyLimitBytes', limits.bodyLimitBytes);
  positiveInteger('headersTimeoutMs', limits.headersTimeoutMs);
  positiveInteger('requestTimeoutMs', limits.requestTimeoutMs);
  positiveInteger('keepAliveTimeoutMs', limits.keepAliveTimeoutMs);
  positiveInteger('timeoutCheckIntervalMs', limits.timeoutCheckIntervalMs);
  positiveInteger('connectionsMax', limits.connectionsMax);
  positiveInteger('requestsPerConnectionMax', limits.requestsPerConnectionMax, 0);
  if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
    throw new Error(`requestTimeoutMs (${limits.requestTimeoutMs}) must be >= headersTimeoutMs (${limits.headersTimeoutMs})`);
  }
  if (limits.timeoutCheckIntervalMs > limits.headersTimeoutMs) {
    throw new Error(`timeoutCheckIntervalMs (${limits.timeoutCheckIntervalMs}) must be <= headersTimeoutMs (${limits.headersTimeoutMs})`);
  }
  return limits;
}
