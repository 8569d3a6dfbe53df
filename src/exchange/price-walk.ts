/**
 * Deterministic mock market: every quote is a pure function of (market seed, exchange id,
 * symbol, time step). Exchanges started with the same seed agree on each symbol's base price
 * and random walk; each exchange adds its own small fixed spread and per-step noise, so quotes
 * differ a little between exchanges (as on real venues) but never drift apart.
 *
 * Walk: x_k = sum_{j<WALK_MEMORY_STEPS} r^j * n_{k-j}, a truncated mean-reverting walk
 * around 0, price_k = base * exp(x_k). Being a pure function of k, it needs no state and
 * gives the same sequence for the same seed regardless of who asked when.
 */

export interface Quote {
  symbol: string;
  price: number;
  volume: number;
  /** Quote time in milliseconds since the epoch. */
  timestamp: number;
}

export interface WalkOptions {
  /** Market seed shared by the exchanges (integer). */
  seed: number;
  /** Exchange id: selects this exchange's spread and noise. */
  exchangeId: string;
  /** Milliseconds per walk step. */
  stepMs: number;
}

const WALK_MEMORY_STEPS = 32;
const WALK_REVERSION = 0.9;
const WALK_STEP_SIGMA = 0.004;
const EXCHANGE_SPREAD_MAX = 0.001;
const EXCHANGE_NOISE_MAX = 0.0005;
const BASE_PRICE_LOG10_MIN = -1;
const BASE_PRICE_LOG10_SPAN = 5;
const BASE_VOLUME_LOG10_MIN = 3;
const BASE_VOLUME_LOG10_SPAN = 3;

/** FNV-1a 32-bit hash of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Mix integers into one well-spread 32-bit value (splitmix32 finalizer over a running state). */
export function mix32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = (h ^ (part >>> 0)) >>> 0;
    h = (h + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Uniform in [0, 1) from a 32-bit hash. */
function unit(hash: number): number {
  return hash / 4294967296;
}

/** Uniform in [-1, 1) from a 32-bit hash. */
function signedUnit(hash: number): number {
  return unit(hash) * 2 - 1;
}

export function basePrice(seed: number, symbol: string): number {
  const u = unit(mix32(seed, hashString(symbol), 1));
  return 10 ** (BASE_PRICE_LOG10_MIN + BASE_PRICE_LOG10_SPAN * u);
}

/** The shared walk's log-offset at step k (same for every exchange of one seed). */
export function walkOffset(seed: number, symbol: string, step: number): number {
  const symbolHash = hashString(symbol);
  let x = 0;
  let weight = 1;
  for (let j = 0; j < WALK_MEMORY_STEPS; j++) {
    x += weight * signedUnit(mix32(seed, symbolHash, 2, step - j)) * WALK_STEP_SIGMA;
    weight *= WALK_REVERSION;
  }
  return x;
}

/** One exchange's quote for a symbol at a time. */
export function quoteAt(options: WalkOptions, symbol: string, nowMs: number): Quote {
  const step = Math.floor(nowMs / options.stepMs);
  const symbolHash = hashString(symbol);
  const exchangeHash = hashString(options.exchangeId);
  const spread = signedUnit(mix32(options.seed, exchangeHash, symbolHash, 3)) * EXCHANGE_SPREAD_MAX;
  const noise = signedUnit(mix32(options.seed, exchangeHash, symbolHash, 4, step)) * EXCHANGE_NOISE_MAX;
  const mid = basePrice(options.seed, symbol) * Math.exp(walkOffset(options.seed, symbol, step));
  const price = mid * (1 + spread + noise);
  const volumeBase = 10 ** (BASE_VOLUME_LOG10_MIN + BASE_VOLUME_LOG10_SPAN * unit(mix32(options.seed, symbolHash, 5)));
  const volume = volumeBase * (0.5 + unit(mix32(options.seed, exchangeHash, symbolHash, 6, step)));
  return { symbol, price: roundTo(price, 8), volume: roundTo(volume, 2), timestamp: nowMs };
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
