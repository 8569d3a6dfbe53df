/**
 * Fault knobs of a mock exchange. Settable at start (flags) and at run time
 * (`POST /mock/faults` with a partial JSON body; `GET /mock/faults` reads them).
 */
export interface Faults {
  /** Fixed latency added to every ticker response, ms. */
  latencyMs: number;
  /** Uniform random extra latency in [0, jitterMs), ms. */
  jitterMs: number;
  /** Probability in [0, 1] that a ticker request answers HTTP 500. */
  errorRate: number;
  /** When true, ticker connections are reset (TCP RST); the control endpoints stay up. */
  down: boolean;
  /** When true, every symbol keeps answering the first quote served after freezing. */
  frozen: boolean;
  /** Symbol whose price is multiplied by outlierFactor, or null for none. */
  outlierSymbol: string | null;
  outlierFactor: number;
}

export const LATENCY_MS_MAX = 60_000;
export const OUTLIER_FACTOR_MAX = 1_000_000;

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  down: false,
  frozen: false,
  outlierSymbol: null,
  outlierFactor: 1,
});

const FAULT_KEYS = Object.keys(NO_FAULTS) as (keyof Faults)[];

function checkMs(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > LATENCY_MS_MAX) {
    throw new Error(`${name} must be an integer 0..${LATENCY_MS_MAX} (ms), got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Apply a partial update (from flags or a JSON body) to the current faults, validating each
 * field with a precise message. Unknown keys are rejected so typos do not pass silently.
 */
export function applyFaultUpdate(current: Readonly<Faults>, update: unknown): Faults {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    throw new Error('faults update must be a JSON object');
  }
  const next: Faults = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (!FAULT_KEYS.includes(key as keyof Faults)) {
      throw new Error(`unknown fault "${key}"; known: ${FAULT_KEYS.join(', ')}`);
    }
    applyField(next, key as keyof Faults, value);
  }
  return next;
}

function applyField(next: Faults, key: keyof Faults, value: unknown): void {
  switch (key) {
    case 'latencyMs':
    case 'jitterMs':
      next[key] = checkMs(key, value);
      return;
    case 'errorRate':
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new Error(`errorRate must be a number in [0, 1], got ${JSON.stringify(value)}`);
      }
      next.errorRate = value;
      return;
    case 'down':
    case 'frozen':
      next[key] = checkBool(key, value);
      return;
    case 'outlierSymbol':
      if (value !== null && (typeof value !== 'string' || value.trim() === '')) {
        throw new Error(`outlierSymbol must be a symbol or null, got ${JSON.stringify(value)}`);
      }
      next.outlierSymbol = value === null ? null : value.trim().toLowerCase();
      return;
    case 'outlierFactor':
      if (typeof value !== 'number' || !(value > 0 && value <= OUTLIER_FACTOR_MAX)) {
        throw new Error(`outlierFactor must be a number in (0, ${OUTLIER_FACTOR_MAX}], got ${JSON.stringify(value)}`);
      }
      next.outlierFactor = value;
      return;
  }
}
