/** Errors of the price pipeline, with stable codes and their HTTP status in one place. */
export class PriceError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    /** Seconds for a Retry-After header, when the caller should retry. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'PriceError';
  }
}

export class InvalidAssetError extends PriceError {
  constructor() {
    super('BAZAAR_ERR_INVALID_ASSET', 400, 'Invalid asset symbol');
  }
}

/** Exchanges answered but no usable quote survived (all stale/outliers/unquoted). */
export class NoPriceError extends PriceError {
  constructor(asset: string, detail: string) {
    super('BAZAAR_ERR_NO_PRICE', 404, `No price available for ${asset}: ${detail}`);
  }
}

/** Every exchange failed (down, timeouts, open breakers) and nothing is cached. */
export class ExchangesUnavailableError extends PriceError {
  constructor(asset: string, detail: string) {
    super('BAZAAR_ERR_EXCHANGES_UNAVAILABLE', 503, `Exchanges unavailable for ${asset}: ${detail}`, 5);
  }
}

/** This process does not hold the refresher leadership (no term). */
export class NotLeaderError extends PriceError {
  constructor() {
    super('BAZAAR_ERR_NOT_PRICE_LEADER', 503, 'This node is not the price leader', 1);
  }
}

/** A history write was refused: a newer term holds the writer fence (this writer is deposed). */
export class FencedError extends PriceError {
  constructor(term: number) {
    super('BAZAAR_ERR_PRICE_FENCED', 503, `History write of term ${term} refused: a newer term holds the fence`, 1);
  }
}

/** Too many symbols already wait for the exchanges (every exchange's queue is full): retry shortly. */
export class PriceFetchOverloadedError extends PriceError {
  constructor(symbols: number, cause: Error) {
    super('BAZAAR_ERR_PRICE_OVERLOADED', 503, `Price fetch queue full: ${symbols} symbols refused (${cause.message}); retry shortly`, 1);
  }
}
