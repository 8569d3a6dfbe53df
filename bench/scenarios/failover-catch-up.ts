import { fetchClusterInfo, type ClusterInfo } from '../../cluster/node-api.js';
import { sleep } from '../load/closed-loop.js';

/** One GET /cluster may take this long. */
export const CLUSTER_STATUS_TIMEOUT_MS = 1_000;
/** Re-read the leader's view this often while followers catch up. */
export const CATCH_UP_POLL_MS = 50;

async function leaderView(urls: readonly string[]): Promise<ClusterInfo | null> {
  for (const url of urls) {
    const view = await fetchClusterInfo(url, CLUSTER_STATUS_TIMEOUT_MS).catch(() => null);
    if (view !== null && view.role === 'leader') return view;
  }
  return null;
}

/**
 * Waits until the leader has replicated, to every voter, all it had committed when first asked
 * (a restarted node is past its catch-up, e.g. an InstallSnapshot), so that a kill measures the
 * failover of a whole cluster, not of one with a member still behind. Returns how long it took,
 * or null when the bound passed first.
 */
export async function waitForCaughtUp(urls: readonly string[], timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let target: number | null = null;
  while (Date.now() < deadline) {
    const leader = await leaderView(urls);
    if (leader !== null) {
      target ??= leader.commitIndex;
      const voters = leader.peers.filter((p) => p.role === 'voter');
      const behind = voters.filter((p) => p.matchIndex === null || p.matchIndex < (target ?? 0));
      if (voters.length === urls.length - 1 && behind.length === 0) return Date.now() - started;
    }
    await sleep(CATCH_UP_POLL_MS);
  }
  return null;
}
