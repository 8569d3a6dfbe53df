import type { NodeEntry } from './launcher-file.js';
import { fetchClusterInfo, pickLeader, type ClusterInfo, type LeaderView } from './node-api.js';

/**
 * Polls every node's GET /cluster and reports a one-line status whenever the leader or the
 * term changes (the launcher prints it). Stops on stop().
 */
export const LEADER_WATCH_INTERVAL_MS = 250;

export function leaderLine(view: LeaderView, nowMs: number): string {
  const time = new Date(nowMs).toISOString().slice(11, 23);
  return view.leader === null
    ? `[${time}] no leader (term ${view.term}, commit ${view.commitIndex})`
    : `[${time}] leader ${view.leader}, term ${view.term}, commit ${view.commitIndex}`;
}

/** Whether `next` is worth a line after `previous` (leader or term changed). */
export function leadershipChanged(previous: LeaderView | null, next: LeaderView): boolean {
  return previous === null || previous.leader !== next.leader || previous.term !== next.term;
}

export class LeaderWatch {
  private timer: NodeJS.Timeout | null = null;
  private last: LeaderView | null = null;
  private polling = false;

  constructor(
    private readonly nodes: readonly NodeEntry[],
    private readonly report: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), LEADER_WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const answers = await Promise.all(this.nodes.map((n) => fetchClusterInfo(n.httpUrl).catch(() => null)));
      const infos = answers.filter((a): a is ClusterInfo => a !== null);
      if (infos.length === 0 || this.timer === null) return;
      const view = pickLeader(infos);
      if (leadershipChanged(this.last, view)) this.report(leaderLine(view, Date.now()));
      this.last = view;
    } finally {
      this.polling = false;
    }
  }
}
