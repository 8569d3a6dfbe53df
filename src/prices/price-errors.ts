import { BazaarErrorCode, statusOfAnyCode } from '../errors.js';

/**
 * Errors of the price pipeline. Their codes and HTTP statuses live in the one table of
 * src/errors.ts; a PriceError may also carry a code a peer sent back (a RAFT_ERR_* or BAZAAR_ERR_*
 * code of a forwarded refresh), whose status comes from the same table.
 */
export class PriceError extends Error {
  readonly httpStatus: number;
  /** Seconds for a Retry-After header, when the caller should retry. */
  readonly retryAfterSeconds: number | null;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PriceError';
    const entry = statusOfAnyCode(code);
    this.httpStatus = entry.status;
    this.retryAfterSeconds = entry.retryAfterSeconds;
  }
}

export const INVALID_ASSET_MESSAGE = 'Invalid asset symbol';

export class InvalidAssetError extends PriceError {
  constructor() {
    super(BazaarErrorCode.InvalidAsset, INVALID_ASSET_MESSAGE);
  }
}

/** Exchanges answered but no usable quote survived (all stale/outliers/unquoted). */
export class NoPriceError extends PriceError {
  constructor(asset: string, detail: string) {
    super(BazaarErrorCode.NoPrice, `No price available for ${asset}: ${detail}`);
  }
}

/** Every exchange failed (down, timeouts, open breakers) and nothing is cached. */
export class ExchangesUnavailableError extends PriceError {
  constructor(asset: string, detail: string) {
    super(BazaarErrorCode.ExchangesUnavailable, `Exchanges unavailable for ${asset}: ${detail}`);
  }
}

/** This process does not hold the refresher leadership (no term). */
export class NotLeaderError extends PriceError {
  constructor() {
    super(BazaarErrorCode.NotPriceLeader, 'This node is not the price leader');
  }
}

/** A history write was refused: a newer term holds the writer fence (this writer is deposed). */
export class FencedError extends PriceError {
  constructor(term: number) {
    super(BazaarErrorCode.PriceFenced, `History write of term ${term} refused: a newer term holds the fence`);
  }
}

/** Too many symbols already wait for the exchanges (every exchange's queue is full): retry shortly. */
export class PriceFetchOverloadedError extends PriceError {
  constructor(symbols: number, cause: Error) {
    super(BazaarErrorCode.PriceOverloaded, `Price fetch queue full: ${symbols} symbols refused (${cause.message}); retry shortly`);
  }
}

/** The node runs without a history store (no DynamoDB endpoint). */
export class HistoryUnavailableError extends PriceError {
  constructor() {
    super(BazaarErrorCode.HistoryUnavailable, 'Price history is not configured');
  }
}
