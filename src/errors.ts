/**
 * The one errors module of the service: stable error codes, their HTTP status, in one place.
 *
 * - `BazaarError` carries a `BAZAAR_ERR_*` code; `httpStatusOf(code)` maps it.
 * - Errors of the Raft library carry `RAFT_ERR_*` codes (raft/driver/raft-errors.ts). They are
 *   recognised by their `code` property (no import of the driver, which may evolve on its own):
 *   "no leader / not leader / no quorum / timeout / stopped" become 503 with Retry-After.
 * - `describeError(error)` turns anything thrown into `{status, code, message, retryAfterSeconds}`;
 *   unknown errors are 500 with a generic message (details go to the log, not to clients).
 */

export const BazaarErrorCode = {
  InvalidRequest: 'BAZAAR_ERR_INVALID_REQUEST',
  UnknownStock: 'BAZAAR_ERR_UNKNOWN_STOCK',
  OrderNotFound: 'BAZAAR_ERR_ORDER_NOT_FOUND',
  RouteNotFound: 'BAZAAR_ERR_ROUTE_NOT_FOUND',
  MethodNotAllowed: 'BAZAAR_ERR_METHOD_NOT_ALLOWED',
  InsufficientQuantity: 'BAZAAR_ERR_INSUFFICIENT_QUANTITY',
  IdempotencyKeyConflict: 'BAZAAR_ERR_IDEMPOTENCY_KEY_CONFLICT',
  PayloadTooLarge: 'BAZAAR_ERR_PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'BAZAAR_ERR_UNSUPPORTED_MEDIA_TYPE',
  Unavailable: 'BAZAAR_ERR_UNAVAILABLE',
  Internal: 'BAZAAR_ERR_INTERNAL',
} as const;
export type BazaarErrorCode = (typeof BazaarErrorCode)[keyof typeof BazaarErrorCode];

const STATUS_OF_BAZAAR_CODE: Readonly<Record<BazaarErrorCode, number>> = {
  BAZAAR_ERR_INVALID_REQUEST: 400,
  BAZAAR_ERR_UNKNOWN_STOCK: 404,
  BAZAAR_ERR_ORDER_NOT_FOUND: 404,
  BAZAAR_ERR_ROUTE_NOT_FOUND: 404,
  BAZAAR_ERR_METHOD_NOT_ALLOWED: 405,
  BAZAAR_ERR_INSUFFICIENT_QUANTITY: 409,
  BAZAAR_ERR_IDEMPOTENCY_KEY_CONFLICT: 422,
  BAZAAR_ERR_PAYLOAD_TOO_LARGE: 413,
  BAZAAR_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  BAZAAR_ERR_UNAVAILABLE: 503,
  BAZAAR_ERR_INTERNAL: 500,
};

/** Raft driver codes that mean "try again shortly (maybe elsewhere)": 503 + Retry-After. */
const RAFT_UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'RAFT_ERR_NOT_LEADER',
  'RAFT_ERR_NO_LEADER',
  'RAFT_ERR_LEADER_CHANGED',
  'RAFT_ERR_TIMEOUT',
  'RAFT_ERR_PROPOSAL_DROPPED',
  'RAFT_ERR_PROPOSAL_QUEUE_FULL',
  'RAFT_ERR_READ_QUEUE_FULL',
  'RAFT_ERR_TRANSFER_IN_PROGRESS',
  'RAFT_ERR_STOPPED',
]);

/** Seconds a client should wait before retrying a 503 (an election takes well under a second). */
export const RETRY_AFTER_SECONDS = 1;

export class BazaarError extends Error {
  readonly code: BazaarErrorCode;
  readonly status: number;
  /** For a failed write: false when it certainly did not execute (clients may retry freely). */
  readonly executed: boolean | undefined;

  constructor(code: BazaarErrorCode, message: string, options: { cause?: unknown; executed?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BazaarError';
    this.code = code;
    this.status = STATUS_OF_BAZAAR_CODE[code];
    this.executed = options.executed;
  }
}

export function httpStatusOf(code: BazaarErrorCode): number {
  return STATUS_OF_BAZAAR_CODE[code];
}

export interface DescribedError {
  readonly status: number;
  /** A stable code: BAZAAR_ERR_* or the RAFT_ERR_* it came from. */
  readonly code: string;
  /** Safe to show to clients. */
  readonly message: string;
  /** Set for 503: the Retry-After header value. */
  readonly retryAfterSeconds: number | null;
  /** Set when a failed write certainly did not execute (`false`). */
  readonly executed?: boolean;
}

function raftCodeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('RAFT_ERR_') ? code : null;
}

/** Map anything thrown to the client-facing description. Never throws. */
export function describeError(error: unknown): DescribedError {
  if (error instanceof BazaarError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      retryAfterSeconds: error.status === 503 ? RETRY_AFTER_SECONDS : null,
      ...(error.executed === undefined ? {} : { executed: error.executed }),
    };
  }
  const raftCode = raftCodeOf(error);
  if (raftCode !== null && RAFT_UNAVAILABLE_CODES.has(raftCode)) {
    return {
      status: 503,
      code: raftCode,
      message: `no leader or no quorum right now (${raftCode}): retry shortly`,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    };
  }
  if (raftCode === 'RAFT_ERR_PROPOSAL_TOO_LARGE') {
    return { status: 413, code: raftCode, message: 'request too large to replicate', retryAfterSeconds: null };
  }
  return { status: 500, code: BazaarErrorCode.Internal, message: 'internal error', retryAfterSeconds: null };
}

/** Programmer-error check: crash on violation (TIGER_STYLE). */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionFailure';
  }
}
