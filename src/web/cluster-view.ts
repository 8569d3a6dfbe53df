/**
 * The web view's cluster panel data: this node's Raft status plus every other member's, asked
 * over HTTP (`GET /cluster` at its PEER_HTTP address) with a short deadline, so the panel
 * shows each node's role, term, commit/applied index and leader as that node sees it, and
 * whether this node can reach it ("link"). A leader change shows on the next poll.
 */
import type { ClusterStatusView } from '../http/backend.js';

/** Deadline of one peer's /cluster answer, ms (the page polls twice a second). */
export const PEER_STATUS_TIMEOUT_MS = 400;

export interface NodeStatusJson {
  readonly node_id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commit_index: number;
  readonly applied_index: number;
  readonly peers: readonly { readonly id: string; readonly match_index: number | null }[];
}

export interface ClusterNodeView {
  readonly id: string;
  readonly url: string | null;
  /** up: answered now; down: no answer within the deadline; self: this node; unknown: no address. */
  readonly link: 'self' | 'up' | 'down' | 'unknown';
  readonly status: NodeStatusJson | null;
  readonly error: string | null;
}

export interface ClusterView {
  readonly self: string;
  readonly leader: string | null;
  /** Members answering (this node included) vs the majority needed. */
  readonly reachable: number;
  readonly quorum: number;
  readonly nodes: readonly ClusterNodeView[];
}

export function statusJson(status: ClusterStatusView): NodeStatusJson {
  return {
    node_id: status.nodeId,
    role: status.role,
    term: status.term,
    leader: status.leader,
    commit_index: status.commitIndex,
    applied_index: status.appliedIndex,
    peers: status.peers.map((p) => ({ id: p.id, match_index: p.matchIndex })),
  };
}

async function peerStatus(id: string, url: string | undefined): Promise<ClusterNodeView> {
  if (url === undefined) return { id, url: null, link: 'unknown', status: null, error: 'no HTTP address configured (PEER_HTTP)' };
  try {
    const res = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(PEER_STATUS_TIMEOUT_MS) });
    if (!res.ok) return { id, url, link: 'down', status: null, error: `HTTP ${res.status}` };
    return { id, url, link: 'up', status: (await res.json()) as NodeStatusJson, error: null };
  } catch (err) {
    return { id, url, link: 'down', status: null, error: (err as Error).name === 'TimeoutError' ? 'no answer in time' : (err as Error).message };
  }
}

export async function clusterView(self: ClusterStatusView, peerHttp: ReadonlyMap<string, string>): Promise<ClusterView> {
  const others = self.peers.map((p) => p.id).filter((id) => id !== self.nodeId);
  const peers = await Promise.all(others.map((id) => peerStatus(id, peerHttp.get(id))));
  const nodes: ClusterNodeView[] = [
    { id: self.nodeId, url: peerHttp.get(self.nodeId) ?? null, link: 'self', status: statusJson(self), error: null },
    ...peers,
  ];
  const members = others.length + 1;
  return {
    self: self.nodeId,
    leader: self.leader,
    reachable: 1 + peers.filter((p) => p.link === 'up').length,
    quorum: Math.floor(members / 2) + 1,
    nodes: nodes.sort((a, b) => a.id.localeCompare(b.id)),
  };
}
