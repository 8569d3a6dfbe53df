import { parseArgs } from 'node:util';
import { ExchangeEnv } from '../config/env-names.js';
import { applyFaultUpdate, NO_FAULTS, type Faults } from './faults.js';

export interface ExchangeOptions {
  id: string;
  host: string;
  port: number;
  seed: number;
  symbolsFile: string;
  /** Milliseconds per random-walk step. */
  stepMs: number;
  faults: Faults;
  /** Required by the fault API when set (env only: a flag would show in `ps`). */
  faultToken?: string;
}

export const EXCHANGE_USAGE = `Usage: exchange [options]   (flags override env)
  --id <id>               exchange id (env ${ExchangeEnv.EXCHANGE_ID}; default ex-<port>)
  --host <host>           listen host (env ${ExchangeEnv.EXCHANGE_HOST}; default 127.0.0.1)
  --port <port>           listen port, 0 = any free (env ${ExchangeEnv.EXCHANGE_PORT}; default 8081)
  --seed <int>            market seed (env ${ExchangeEnv.EXCHANGE_SEED}; default 42)
  --symbols-file <path>   symbols CSV (env ${ExchangeEnv.SYMBOLS_FILE}; default symbols.csv)
  --step-ms <ms>          random-walk step (default 250)
  --latency-ms <ms>  --jitter-ms <ms>  --error-rate <0..1>  --down  --frozen
  --outlier-symbol <sym>  --outlier-factor <x>
Env ${ExchangeEnv.EXCHANGE_FAULT_TOKEN}: when set, POST /mock/faults and /mock/faults/reset need it
in the x-fault-token header.`;

const STEP_MS_MIN = 1;
const STEP_MS_MAX = 3_600_000;

function parseInteger(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function parseNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

/** Parse flags (which win) over environment variables; throws with a precise message. */
export function parseExchangeOptions(argv: string[], env: NodeJS.ProcessEnv): ExchangeOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      id: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      'symbols-file': { type: 'string' },
      'step-ms': { type: 'string' },
      'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'error-rate': { type: 'string' },
      down: { type: 'boolean' },
      frozen: { type: 'boolean' },
      'outlier-symbol': { type: 'string' },
      'outlier-factor': { type: 'string' },
    },
  });
  const portRaw = values.port ?? env[ExchangeEnv.EXCHANGE_PORT] ?? '8081';
  const port = parseInteger('--port', portRaw, 0, 65535);
  const faultUpdate: Record<string, unknown> = {};
  if (values['latency-ms'] !== undefined) faultUpdate['latencyMs'] = parseNumber('--latency-ms', values['latency-ms']);
  if (values['jitter-ms'] !== undefined) faultUpdate['jitterMs'] = parseNumber('--jitter-ms', values['jitter-ms']);
  if (values['error-rate'] !== undefined) faultUpdate['errorRate'] = parseNumber('--error-rate', values['error-rate']);
  if (values.down !== undefined) faultUpdate['down'] = values.down;
  if (values.frozen !== undefined) faultUpdate['frozen'] = values.frozen;
  if (values['outlier-symbol'] !== undefined) faultUpdate['outlierSymbol'] = values['outlier-symbol'];
  if (values['outlier-factor'] !== undefined) {
    faultUpdate['outlierFactor'] = parseNumber('--outlier-factor', values['outlier-factor']);
  }
  const id = (values.id ?? env[ExchangeEnv.EXCHANGE_ID] ?? `ex-${port}`).trim();
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new Error(`--id must be 1..64 of [A-Za-z0-9_.-], got "${id}"`);
  const faultToken = env[ExchangeEnv.EXCHANGE_FAULT_TOKEN];
  return {
    ...(faultToken === undefined || faultToken === '' ? {} : { faultToken }),
    id,
    host: values.host ?? env[ExchangeEnv.EXCHANGE_HOST] ?? '127.0.0.1',
    port,
    seed: parseInteger('--seed', values.seed ?? env[ExchangeEnv.EXCHANGE_SEED] ?? '42', 0, 2 ** 32 - 1),
    symbolsFile: values['symbols-file'] ?? env[ExchangeEnv.SYMBOLS_FILE] ?? 'symbols.csv',
    stepMs: parseInteger('--step-ms', values['step-ms'] ?? '250', STEP_MS_MIN, STEP_MS_MAX),
    faults: applyFaultUpdate(NO_FAULTS, faultUpdate),
  };
}
