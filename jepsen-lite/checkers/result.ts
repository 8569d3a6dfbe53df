/** The shape every checker returns; results.json holds one per checker. */
export const Verdict = { Valid: 'valid', Invalid: 'invalid', Unknown: 'unknown' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface CheckerResult {
  checker: string;
  verdict: Verdict;
  /** One line for humans. */
  summary: string;
  /** History indexes to highlight in the timeline (the violation, if any). */
  highlight: number[];
  /** Checker-specific details (JSON-serializable). */
  details: Record<string, unknown>;
}

/** invalid beats unknown beats valid. Availability-style checkers report `valid` always. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes(Verdict.Invalid)) return Verdict.Invalid;
  if (verdicts.includes(Verdict.Unknown)) return Verdict.Unknown;
  return Verdict.Valid;
}
