/**
 * Runs every checker over one history and combines the verdicts: invalid if any checker found
 * a violation, else unknown if any could not decide, else valid. Availability is reported only.
 */
import { validateHistory, type HistoryOp } from '../history.js';
import { checkAvailability } from './availability.js';
import { checkExactlyOnce } from './exactly-once.js';
import { checkFinalState } from './final-state.js';
import { DEFAULT_LINEARIZABLE_OPTIONS, checkLinearizable, type LinearizableOptions } from './linearizable.js';
import { checkOrders } from './orders.js';
import { combineVerdicts, type CheckerResult, type Verdict } from './result.js';

export interface CheckOptions {
  initialQuantities: Readonly<Record<string, number>>;
  /** Nodes expected to answer the final reads. */
  nodes: readonly string[];
  /** Linearizability search bounds (defaults: DEFAULT_LINEARIZABLE_OPTIONS). */
  linearizable?: Partial<Omit<LinearizableOptions, 'initialQuantities'>>;
  /** Acknowledged trades never read back make the orders verdict unknown (default true). */
  requireReadBack?: boolean;
  /** Highest transaction number before the run (attached cluster); default 0. */
  txFloor?: number;
}

export interface CheckReport {
  verdict: Verdict;
  checkers: CheckerResult[];
}

/** Exit codes of `npm run jepsen`: 0 valid, 1 violation, 2 unknown. */
export const EXIT_CODE_BY_VERDICT = { valid: 0, invalid: 1, unknown: 2 } as const satisfies Record<Verdict, number>;

export function checkHistory(history: readonly HistoryOp[], options: CheckOptions): CheckReport {
  validateHistory(history);
  const { initialQuantities } = options;
  const checkers = [
    checkLinearizable(history, { ...DEFAULT_LINEARIZABLE_OPTIONS, ...options.linearizable, initialQuantities }),
    checkOrders(history, { requireReadBack: options.requireReadBack ?? true, txFloor: options.txFloor ?? 0 }),
    checkExactlyOnce(history, { initialQuantities }),
    checkFinalState(history, { initialQuantities, nodes: options.nodes }),
    checkAvailability(history),
  ];
  return { verdict: combineVerdicts(checkers.map((c) => c.verdict)), checkers };
}

export function formatReport(report: CheckReport): string {
  const lines = report.checkers.map((c) => `  ${c.checker.padEnd(14)} ${c.verdict.padEnd(8)} ${c.summary}`);
  return [`verdict: ${report.verdict}`, ...lines].join('\n');
}
