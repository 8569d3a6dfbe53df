/**
 * Availability (reported, never judged): the fraction of ok completions per run phase and per
 * fault state (some fault active vs none) during the workload, and the longest window of the
 * workload phase without any acknowledged (filled) trade.
 */
import { OpF, OpType, PHASE_F, isClientOp, isNemesisOp, type HistoryOp } from '../history.js';
import { Verdict, type CheckerResult } from './result.js';

interface Counts {
  ok: number;
  fail: number;
  info: number;
  okFraction: number | null;
}

const NS_PER_MS = 1_000_000;

function emptyCounts(): Counts {
  return { ok: 0, fail: 0, info: 0, okFraction: null };
}

function add(c: Counts, type: string): void {
  if (type === OpType.Ok) c.ok++;
  else if (type === OpType.Fail) c.fail++;
  else if (type === OpType.Info) c.info++;
}

function finish(c: Counts): Counts {
  const total = c.ok + c.fail + c.info;
  return { ...c, okFraction: total === 0 ? null : Math.round((c.ok / total) * 10_000) / 10_000 };
}

function isFilledTrade(op: HistoryOp): boolean {
  if (!isClientOp(op) || op.type !== OpType.Ok || (op.f !== OpF.Buy && op.f !== OpF.Sell)) return false;
  return (op.value as { filled?: boolean }).filled === true;
}

/** Nemesis fault lines: {"action":"start"|"stop"} move the count of active faults; "heal" clears it. */
function activeDelta(op: HistoryOp): number {
  if (!isNemesisOp(op) || op.f === PHASE_F) return 0;
  if (op.value['action'] === 'start') return 1;
  if (op.value['action'] === 'stop') return -1;
  return 0;
}

export function checkAvailability(history: readonly HistoryOp[]): CheckerResult {
  const byPhase = new Map<string, Counts>();
  const faulted = emptyCounts();
  const clear = emptyCounts();
  let phase = 'setup';
  let active = 0;
  let workloadStart: number | null = null;
  let workloadEnd: number | null = null;
  let lastWrite = 0;
  let longest = { ms: 0, fromNs: 0, toNs: 0 };
  const closeGap = (t: number): void => {
    if ((t - lastWrite) / NS_PER_MS > longest.ms) longest = { ms: (t - lastWrite) / NS_PER_MS, fromNs: lastWrite, toNs: t };
  };
  for (const op of history) {
    if (isNemesisOp(op) && op.f === PHASE_F) {
      if (phase === 'workload') workloadEnd = op.time;
      phase = String(op.value['phase']);
      if (phase === 'workload') workloadStart = lastWrite = op.time;
      continue;
    }
    active = isNemesisOp(op) && op.value['action'] === 'heal' ? 0 : Math.max(0, active + activeDelta(op));
    if (!isClientOp(op) || op.type === OpType.Invoke) continue;
    const counts = byPhase.get(phase) ?? emptyCounts();
    byPhase.set(phase, counts);
    add(counts, op.type);
    if (phase === 'workload') {
      add(active > 0 ? faulted : clear, op.type);
      if (isFilledTrade(op)) {
        closeGap(op.time);
        lastWrite = op.time;
      }
    }
  }
  if (workloadStart !== null) closeGap(workloadEnd ?? history[history.length - 1]?.time ?? lastWrite);
  const phases = Object.fromEntries([...byPhase].map(([p, c]) => [p, finish(c)]));
  const details = { phases, workloadFaulted: finish(faulted), workloadClear: finish(clear), longestWithoutOkWriteMs: Math.round(longest.ms), longestWindowNs: [longest.fromNs, longest.toNs] };
  const pct = (c: Counts): string => (c.okFraction === null ? 'n/a' : `${(c.okFraction * 100).toFixed(1)}%`);
  const summary = `ok: faulted ${pct(details.workloadFaulted)}, clear ${pct(details.workloadClear)}; longest without an ok write ${details.longestWithoutOkWriteMs} ms`;
  return { checker: 'availability', verdict: Verdict.Valid, summary, highlight: [], details };
}
