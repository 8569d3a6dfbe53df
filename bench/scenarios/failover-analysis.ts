import { LatencyHistogram, type LatencySummary } from '../load/histogram.js';
import type { TimelineEntry } from '../load/types.js';

export interface KillRecovery {
  kill: number;
  nodeId: string;
  killedAtMs: number;
  /** Kill to the first acknowledged trade sent after the kill; null if none before the next kill. */
  recoveryMs: number | null;
}

/**
 * For each kill time: the first 2xx trade that was sent at or after the kill (so it could not
 * have been committed by the killed leader) and was acknowledged before the next kill.
 * Kills must be in increasing time order.
 */
export function recoveries(kills: readonly { nodeId: string; killedAtMs: number }[], timeline: readonly TimelineEntry[], tag: string): KillRecovery[] {
  const acks = timeline.filter((e) => e.tag === tag).sort((a, b) => a.sentAtMs - b.sentAtMs);
  return kills.map((k, i) => {
    const prev = kills[i - 1];
    if (prev !== undefined && prev.killedAtMs > k.killedAtMs) throw new Error('kills must be in time order');
    const nextKillMs = kills[i + 1]?.killedAtMs ?? Number.POSITIVE_INFINITY;
    let firstDoneMs = Number.POSITIVE_INFINITY;
    for (const e of acks) {
      if (e.sentAtMs < k.killedAtMs) continue;
      if (e.sentAtMs >= nextKillMs) break;
      if (e.doneAtMs < firstDoneMs) firstDoneMs = e.doneAtMs;
    }
    const recoveryMs = firstDoneMs < nextKillMs ? Math.round((firstDoneMs - k.killedAtMs) * 10) / 10 : null;
    return { kill: i + 1, nodeId: k.nodeId, killedAtMs: k.killedAtMs, recoveryMs };
  });
}

export function recoverySummary(list: readonly KillRecovery[]): { summary: LatencySummary; unrecovered: number } {
  const h = new LatencyHistogram();
  let unrecovered = 0;
  for (const r of list) {
    if (r.recoveryMs === null) unrecovered++;
    else h.recordMs(r.recoveryMs);
  }
  return { summary: h.summary(), unrecovered };
}
