/**
 * The mock market as the exchanges compute it (src/exchange/price-walk.ts is a pure function of
 * seed, exchange id, symbol and time step), for slow tests that check a published price
 * against what the honest exchanges quoted. Mirrors aggregate.ts's volume-weighted average.
 */
import { quoteAt, type Quote } from '../../exchange/price-walk.js';

export interface MarketModel {
  /** Market seed the exchanges were started with (EXCHANGE_SEED). */
  readonly seed: number;
  /** Walk step of the exchanges, ms (their default). */
  readonly stepMs: number;
}

/** A quote the model says `exchangeId` served, with the walk step it came from. */
export interface ModelQuote extends Quote {
  readonly exchangeId: string;
  readonly step: number;
}

/** Candidates per source are bounded: a window longer than this many steps is a test bug. */
const WINDOW_STEPS_MAX = 16;
/** Relative error under which a model price counts as the published price itself. */
export const RECONSTRUCTION_TOLERANCE = 1e-9;

export function modelQuote(model: MarketModel, exchangeId: string, symbol: string, step: number): ModelQuote {
  return { ...quoteAt({ seed: model.seed, exchangeId, stepMs: model.stepMs }, symbol, step * model.stepMs), exchangeId, step };
}

/** Same arithmetic, same order as aggregate.ts volumeWeighted(). */
export function volumeWeightedPrice(quotes: readonly Quote[]): number {
  if (quotes.length === 0) throw new Error('volumeWeightedPrice of no quotes');
  const total = quotes.reduce((sum, q) => sum + q.volume, 0);
  return quotes.reduce((sum, q) => sum + (total > 0 ? q.volume / total : 1 / quotes.length) * q.price, 0);
}

function combinations<T>(choices: readonly (readonly T[])[]): T[][] {
  return choices.reduce<T[][]>((acc, options) => acc.flatMap((prefix) => options.map((o) => [...prefix, o])), [[]]);
}

/**
 * The honest quotes (one per source, in the given order) whose volume-weighted price equals
 * `price`, each source's quote taken from a walk step within [fromMs, toMs]; null if none does.
 */
export function reconstructQuotes(
  model: MarketModel,
  symbol: string,
  sourceExchangeIds: readonly string[],
  price: number,
  window: { fromMs: number; toMs: number },
): ModelQuote[] | null {
  const firstStep = Math.floor(window.fromMs / model.stepMs);
  const lastStep = Math.floor(window.toMs / model.stepMs);
  if (lastStep < firstStep || lastStep - firstStep >= WINDOW_STEPS_MAX) {
    throw new Error(`reconstruction window ${window.fromMs}..${window.toMs} must span 1..${WINDOW_STEPS_MAX} steps`);
  }
  const steps = Array.from({ length: lastStep - firstStep + 1 }, (_, i) => firstStep + i);
  const perSource = sourceExchangeIds.map((id) => steps.map((step) => modelQuote(model, id, symbol, step)));
  for (const quotes of combinations(perSource)) {
    if (Math.abs(volumeWeightedPrice(quotes) / price - 1) < RECONSTRUCTION_TOLERANCE) return quotes;
  }
  return null;
}
