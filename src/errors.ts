/**
 * The one errors module of the service: stable error codes, their HTTP status, in one place.
 *
 * - `BazaarError` carries a `BAZAAR_ERR_*` code; `httpStatusOf(code)` maps it. Price errors
 *   (src/prices/price-errors.ts) carry codes of this table too: one code -> status table.
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
  Unauthorized: 'BAZAAR_ERR_UNAUTHORIZED',
  RequestTimeout: 'BAZAAR_ERR_REQUEST_TIMEOUT',
  InsufficientQuantity: 'BAZAAR_ERR_INSUFFICIENT_QUANTITY',
  IdempotencyKeyConflict: 'BAZAAR_ERR_IDEMPOTENCY_KEY_CONFLICT',
  PayloadTooLarge: 'BAZAAR_ERR_PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'BAZAAR_ERR_UNSUPPORTED_MEDIA_TYPE',
  ExpectationFailed: 'BAZAAR_ERR_EXPECTATION_FAILED',
  HeadersTooLarge: 'BAZAAR_ERR_HEADERS_TOO_LARGE',
  Unavailable: 'BAZAAR_ERR_UNAVAILABLE',
  /** A membership change that does not apply to the configuration in effect (admin API). */
  MemberConflict: 'BAZAAR_ERR_MEMBER_CONFLICT',
  Internal: 'BAZAAR_ERR_INTERNAL',
  // Price pipeline (src/prices/price-errors.ts)
  InvalidAsset: 'BAZAAR_ERR_INVALID_ASSET',
  NoPrice: 'BAZAAR_ERR_NO_PRICE',
  ExchangesUnavailable: 'BAZAAR_ERR_EXCHANGES_UNAVAILABLE',
  NotPriceLeader: 'BAZAAR_ERR_NOT_PRICE_LEADER',
  PriceFenced: 'BAZAAR_ERR_PRICE_FENCED',
  PriceOverloaded: 'BAZAAR_ERR_PRICE_OVERLOADED',
  HistoryUnavailable: 'BAZAAR_ERR_HISTORY_UNAVAILABLE',
} as const;
export type BazaarErrorCode = (typeof BazaarErrorCode)[keyof typeof BazaarErrorCode];

/** Seconds a client should wait before retrying a 503 (an election takes well under a second). */
export const RETRY_AFTER_SECONDS = 1;
/** Retry-After of a 503 that an exchange or store outage caused (outlasts a breaker's reset). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

interface StatusEntry {
  readonly status: number;
  /** Retry-After seconds; every 503 has one. */
  readonly retryAfterSeconds: number | null;
}

const client = (status: number): StatusEntry => ({ status, retryAfterSeconds: null });
const unavailable = (retryAfterSeconds = RETRY_AFTER_SECONDS): StatusEntry => ({ status: 503, retryAfterSeconds });

/** THE table from stable error code to HTTP status (and Retry-After): the only one in the service. */
const STATUS_OF_CODE: Readonly<Record<BazaarErrorCode, StatusEntry>> = {
  BAZAAR_ERR_INVALID_REQUEST: client(400),
  BAZAAR_ERR_UNKNOWN_STOCK: client(404),
  BAZAAR_ERR_ORDER_NOT_FOUND: client(404),
  BAZAAR_ERR_ROUTE_NOT_FOUND: client(404),
  BAZAAR_ERR_METHOD_NOT_ALLOWED: client(405),
  BAZAAR_ERR_UNAUTHORIZED: client(401),
  BAZAAR_ERR_REQUEST_TIMEOUT: client(408),
  BAZAAR_ERR_INSUFFICIENT_QUANTITY: client(409),
  BAZAAR_ERR_IDEMPOTENCY_KEY_CONFLICT: client(422),
  BAZAAR_ERR_PAYLOAD_TOO_LARGE: client(413),
  BAZAAR_ERR_UNSUPPORTED_MEDIA_TYPE: client(415),
  BAZAAR_ERR_EXPECTATION_FAILED: client(417),
  BAZAAR_ERR_HEADERS_TOO_LARGE: client(431),
  BAZAAR_ERR_UNAVAILABLE: unavailable(),
  BAZAAR_ERR_MEMBER_CONFLICT: client(409),
  BAZAAR_ERR_INTERNAL: { status: 500, retryAfterSeconds: null },
  BAZAAR_ERR_INVALID_ASSET: client(400),
  BAZAAR_ERR_NO_PRICE: client(404),
  BAZAAR_ERR_EXCHANGES_UNAVAILABLE: unavailable(OUTAGE_RETRY_AFTER_SECONDS),
  BAZAAR_ERR_NOT_PRICE_LEADER: unavailable(),
  BAZAAR_ERR_PRICE_FENCED: unavailable(),
  BAZAAR_ERR_PRICE_OVERLOADED: unavailable(),
  BAZAAR_ERR_HISTORY_UNAVAILABLE: unavailable(OUTAGE_RETRY_AFTER_SECONDS),
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

export function isBazaarErrorCode(code: unknown): code is BazaarErrorCode {
  return typeof code === 'string' && Object.hasOwn(STATUS_OF_CODE, code);
}

export function httpStatusOf(code: BazaarErrorCode): number {
  return STATUS_OF_CODE[code].status;
}

/** Status of any stable code (BAZAAR_ERR_* or RAFT_ERR_*), e.g. one received from a peer; unknown codes are 500. */
export function statusOfAnyCode(code: string): StatusEntry {
  if (isBazaarErrorCode(code)) return STATUS_OF_CODE[code];
  if (RAFT_UNAVAILABLE_CODES.has(code)) return unavailable();
  if (code === 'RAFT_ERR_PROPOSAL_TOO_LARGE') return client(413);
  return STATUS_OF_CODE.BAZAAR_ERR_INTERNAL;
}

export class BazaarError extends Error {
  readonly code: BazaarErrorCode;
  readonly status: number;
  /** For a failed write: false when it certainly did not execute (clients may retry freely). */
  readonly executed: boolean | undefined;

  constructor(code: BazaarErrorCode, message: string, options: { cause?: unknown; executed?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BazaarError';
    this.code = code;
    this.status = STATUS_OF_CODE[code].status;
    this.executed = options.executed;
  }
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

/** A described client error of a stable code, e.g. for errors the HTTP layer raises itself. */
export function describeCode(code: BazaarErrorCode, message: string): DescribedError {
  const entry = STATUS_OF_CODE[code];
  return { status: entry.status, code, message, retryAfterSeconds: entry.retryAfterSeconds };
}

function codeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/**
 * Map anything thrown to the client-facing description. Never throws. Errors carrying a
 * BAZAAR_ERR_* code (BazaarError, PriceError, a peer's forwarded code) keep their message;
 * RAFT_ERR_* codes get a generic one; anything else is a 500 whose details stay in the log.
 */
export function describeError(error: unknown): DescribedError {
  const code = codeOf(error);
  if (code !== null && isBazaarErrorCode(code)) {
    const executed = (error as { executed?: unknown }).executed;
    return {
      ...describeCode(code, (error as Error).message),
      ...(typeof executed === 'boolean' ? { executed } : {}),
    };
  }
  if (code !== null && RAFT_UNAVAILABLE_CODES.has(code)) {
    return { status: 503, code, message: `no leader or no quorum right now (${code}): retry shortly`, retryAfterSeconds: RETRY_AFTER_SECONDS };
  }
  if (code === 'RAFT_ERR_PROPOSAL_TOO_LARGE') {
    return { status: 413, code, message: 'request too large to replicate', retryAfterSeconds: null };
  }
  return describeCode(BazaarErrorCode.Internal, 'internal error');
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
