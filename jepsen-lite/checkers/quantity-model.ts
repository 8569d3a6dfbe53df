/**
 * The stock quantity register as a sequential model. The state is a closed integer interval
 * [lo, hi] of possible quantities: a known start is a single point (exact), an unknown start
 * is [0, Infinity) (used when shrinking a violation to a window that starts mid-history).
 * From a point every step stays a point; from an interval a step of unknown outcome keeps the
 * hull, which over-approximates (so a window judged non-linearizable really is).
 */
export const ModelOpKind = {
  /** Acknowledged BUY that filled: needs quantity >= qty, subtracts qty. */
  BuyFilled: 'buy-filled',
  /** Acknowledged BUY rejected for insufficient quantity: needs quantity < qty. */
  BuyRejected: 'buy-rejected',
  /** BUY of unknown outcome (info): fills when quantity >= qty, else no change. */
  BuyUnknown: 'buy-unknown',
  /** SELL: adds qty. */
  Sell: 'sell',
  /** Read: returns quantity. */
  Read: 'read',
} as const;
export type ModelOpKind = (typeof ModelOpKind)[keyof typeof ModelOpKind];

export interface ModelOp {
  kind: ModelOpKind;
  /** qty for trades, the observed quantity for reads. */
  amount: number;
}

export interface QuantityState {
  lo: number;
  hi: number;
}

export const UNKNOWN_START: QuantityState = { lo: 0, hi: Infinity };

export function pointState(quantity: number): QuantityState {
  return { lo: quantity, hi: quantity };
}

/** Applies op to state; null when the op cannot happen in that state. */
export function stepModel(state: QuantityState, op: ModelOp): QuantityState | null {
  const { lo, hi } = state;
  const q = op.amount;
  switch (op.kind) {
    case ModelOpKind.Sell:
      return { lo: lo + q, hi: hi + q };
    case ModelOpKind.Read:
      return lo <= q && q <= hi ? { lo: q, hi: q } : null;
    case ModelOpKind.BuyFilled: {
      const from = Math.max(lo, q);
      return from > hi ? null : { lo: from - q, hi: hi - q };
    }
    case ModelOpKind.BuyRejected: {
      const to = Math.min(hi, q - 1);
      return lo > to ? null : { lo, hi: to };
    }
    case ModelOpKind.BuyUnknown:
      if (hi < q) return state;
      if (lo >= q) return { lo: lo - q, hi: hi - q };
      return { lo: 0, hi: Math.max(q - 1, hi - q) };
  }
}

export function stateKey(state: QuantityState): string {
  return state.lo === state.hi ? `${state.lo}` : `${state.lo}-${state.hi}`;
}

export function describeState(state: QuantityState): string {
  if (state.lo === state.hi) return `${state.lo}`;
  return state.hi === Infinity ? `any >= ${state.lo}` : `${state.lo}..${state.hi}`;
}
