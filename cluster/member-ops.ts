import type { ClusterControl } from './cluster-control.js';

/**
 * `npm run cluster -- member list | add <id> | promote <id> | remove <id>`: membership changes
 * through the leader's admin API (GET/POST /cluster/members, DELETE /cluster/members/{id}).
 * `add` first has the launcher start the node (fresh data dir, joining as a learner), then adds
 * it; `promote` waits (bounded) while the learner catches up; every call retries while a change
 * is in flight or the leader is new (503).
 */
export const MEMBER_OP_DEADLINE_MS = 60_000;
const RETRY_PAUSE_MS = 250;
const REQUEST_TIMEOUT_MS = 30_000;

export interface MemberRow {
  readonly id: string;
  readonly role: string;
  readonly address: string | null;
  readonly match_index: number | null;
}

interface Reply {
  readonly status: number;
  readonly body: { data?: unknown; error?: { message?: string } };
}

async function leaderCall(control: ClusterControl, method: string, path: string, body?: unknown): Promise<unknown> {
  const deadline = Date.now() + MEMBER_OP_DEADLINE_MS;
  for (;;) {
    const leader = await control.leader(5_000);
    const reply = await call(control.nodeUrl(leader), control.clusterToken(), method, path, body);
    if (reply.status === 200) return reply.body.data;
    const message = reply.body.error?.message ?? `HTTP ${reply.status}`;
    const retry = reply.status === 503 || (reply.status === 409 && message.includes('RAFT_ERR_LEARNER_NOT_CAUGHT_UP'));
    if (!retry || Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
}

async function call(base: string, token: string, method: string, path: string, body: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-cluster-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

export async function memberList(control: ClusterControl): Promise<{ leader: string | null; conf_index: number; members: MemberRow[] }> {
  return (await leaderCall(control, 'GET', '/cluster/members')) as { leader: string | null; conf_index: number; members: MemberRow[] };
}

export async function memberAdd(control: ClusterControl, id: string): Promise<{ index: number; grpcAddress: string }> {
  const node = await control.addNodeProcess(id);
  const data = (await leaderCall(control, 'POST', '/cluster/members', { id, address: node.grpcAddress })) as { index: number };
  return { index: data.index, grpcAddress: node.grpcAddress };
}

export async function memberPromote(control: ClusterControl, id: string): Promise<{ index: number }> {
  return (await leaderCall(control, 'POST', '/cluster/members', { id, role: 'voter' })) as { index: number };
}

export async function memberRemove(control: ClusterControl, id: string): Promise<{ index: number }> {
  return (await leaderCall(control, 'DELETE', `/cluster/members/${encodeURIComponent(id)}`)) as { index: number };
}

export function membersTable(list: { leader: string | null; conf_index: number; members: readonly MemberRow[] }): string {
  const rows = list.members.map((m) => `${m.id.padEnd(6)} ${m.role.padEnd(8)} ${(m.address ?? '-').padEnd(22)} ${m.match_index ?? '-'}${m.id === list.leader ? '  (leader)' : ''}`);
  return [`${'member'.padEnd(6)} ${'role'.padEnd(8)} ${'raft address'.padEnd(22)} match`, ...rows, `configuration index ${list.conf_index}`].join('\n');
}
