/** Domain types of the bazaar state machine (shared by commands, state machine, HTTP and cache). */

export const TradeType = { Buy: 'BUY', Sell: 'SELL' } as const;
export type TradeType = (typeof TradeType)[keyof typeof TradeType];

export const QUANTITY_MIN = 1;
export const QUANTITY_MAX = 1_000_000;
export const INITIAL_STOCK_QUANTITY = 100;
export const IDEMPOTENCY_KEY_LENGTH_MAX = 128;
/** Printable ASCII, no leading/trailing space (HTTP trims those). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/** One stock as replicated. `modifiedIndex`: log index of the last trade that changed it (0: none). */
export interface StockState {
  readonly name: string;
  readonly quantity: number;
  readonly volume: number;
  readonly modifiedIndex: number;
}

export interface OrderRecord {
  readonly number: number;
  readonly name: string;
  readonly type: TradeType;
  readonly quantity: number;
  /** Latest aggregated price the leader knew when proposing, or null. */
  readonly price: number | null;
  readonly executedAtMs: number;
}

export const TradeFailureCode = {
  Insufficient: 'insufficient',
  UnknownStock: 'unknown-stock',
  KeyConflict: 'key-conflict',
} as const;
export type TradeFailureCode = (typeof TradeFailureCode)[keyof typeof TradeFailureCode];

/**
 * Outcome of applying one trade command. `replayed`: the idempotency key was seen before with
 * the same request and this is the remembered original outcome (nothing executed now).
 */
export type TradeResult =
  | { readonly ok: true; readonly transactionNumber: number; readonly stock: StockState; readonly replayed: boolean }
  | { readonly ok: false; readonly code: TradeFailureCode; readonly replayed: boolean };

/** Per applied entry: a trade result, or null for Empty entries. */
export type ApplyResult = TradeResult | null;

export function parseTradeType(raw: string): TradeType | null {
  const upper = raw.toUpperCase();
  return upper === TradeType.Buy || upper === TradeType.Sell ? upper : null;
}
