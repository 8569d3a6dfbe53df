/**
 * The few node HTTP endpoints the launcher and control need: GET /cluster and
 * POST /admin/transfer-leadership (DESIGN.md §4; the node's contract).
 */
export interface ClusterPeerInfo {
  readonly id: string;
  /** 'voter' or 'learner'. */
  readonly role: string;
  /** The leader's view of the peer's log (null on a follower, or not known yet). */
  readonly matchIndex: number | null;
}

export interface ClusterInfo {
  readonly nodeId: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly peers: readonly ClusterPeerInfo[];
}

/** A paused or partitioned node must not stall a status poll. */
export const NODE_PROBE_TIMEOUT_MS = 800;
const TRANSFER_TIMEOUT_MS = 5_000;

function numberField(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  if (typeof value !== 'number') throw new Error(`GET /cluster: field ${key} is not a number`);
  return value;
}

export function parseClusterInfo(body: unknown): ClusterInfo {
  if (typeof body !== 'object' || body === null) throw new Error('GET /cluster: body is not a JSON object');
  const record = body as Record<string, unknown>;
  const leader = record['leader'];
  const role = record['role'];
  if (typeof role !== 'string') throw new Error('GET /cluster: field role is not a string');
  return {
    nodeId: String(record['node_id'] ?? ''),
    role: role.toLowerCase(),
    term: numberField(record, 'term'),
    leader: typeof leader === 'string' && leader !== '' ? leader : null,
    commitIndex: numberField(record, 'commit_index'),
    appliedIndex: numberField(record, 'applied_index'),
    peers: parsePeers(record['peers']),
  };
}

function parsePeers(raw: unknown): ClusterPeerInfo[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error('GET /cluster: field peers is not an array');
  return raw.map((entry: unknown) => {
    const peer = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { id, role } = peer;
    const match = peer['match_index'];
    if (typeof id !== 'string' || typeof role !== 'string' || (match !== null && typeof match !== 'number')) {
      throw new Error('GET /cluster: a peer needs a string id and role and a number or null match_index');
    }
    return { id, role, matchIndex: match };
  });
}

export async function fetchClusterInfo(httpUrl: string, timeoutMs = NODE_PROBE_TIMEOUT_MS): Promise<ClusterInfo> {
  const response = await fetch(`${httpUrl}/cluster`, { signal: AbortSignal.timeout(timeoutMs) });
  const body: unknown = await response.json();
  if (response.status !== 200) throw new Error(`GET ${httpUrl}/cluster answered ${response.status}`);
  return parseClusterInfo(body);
}

/** Ask `leaderUrl` to hand leadership to `to`; throws with the node's error message. */
export async function requestTransfer(leaderUrl: string, to: string, clusterToken: string): Promise<void> {
  const response = await fetch(`${leaderUrl}/admin/transfer-leadership`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cluster-token': clusterToken },
    body: JSON.stringify({ to }),
    signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status !== 200) {
    let message = text;
    try {
      const body = JSON.parse(text) as { error?: { message?: string } | string };
      message = typeof body.error === 'string' ? body.error : (body.error?.message ?? text);
    } catch {
      // not JSON: keep the text
    }
    throw new Error(`transfer to ${to} refused by ${leaderUrl} (${response.status}): ${message}`);
  }
}

export interface LeaderView {
  readonly leader: string | null;
  readonly term: number;
  readonly commitIndex: number;
}

/**
 * The leader among answers: the self-declared leader of the highest term any node reports.
 * A deposed leader that has not heard of the newer term yet does not count.
 */
export function pickLeader(infos: readonly ClusterInfo[]): LeaderView {
  const term = Math.max(0, ...infos.map((i) => i.term));
  const best = infos.find((i) => i.role === 'leader' && i.term === term);
  if (best === undefined) return { leader: null, term, commitIndex: Math.max(0, ...infos.map((i) => i.commitIndex)) };
  return { leader: best.nodeId, term: best.term, commitIndex: best.commitIndex };
}
