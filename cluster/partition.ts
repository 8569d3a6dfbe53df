/**
 * Partition specs and the directed links they cut. Every directed node pair (from, to) has its
 * own fault proxy `<from>_to_<to>`: `from` reaches `to`'s gRPC through it, so cutting it stops
 * every Raft message from `from` to `to` (each message is an RPC sent by its sender).
 */
export interface Link {
  readonly from: string;
  readonly to: string;
}

export const ISOLATE_LEADER = 'isolate-leader';

export function proxyName(from: string, to: string): string {
  return `${from}_to_${to}`;
}

/** Inverse of proxyName for the launcher's proxies; undefined for other names. */
export function linkOfProxy(name: string): Link | undefined {
  const match = /^([A-Za-z0-9-]+)_to_([A-Za-z0-9-]+)$/.exec(name);
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  return { from: match[1], to: match[2] };
}

/** Every directed pair of distinct members. */
export function allLinks(ids: readonly string[]): Link[] {
  return ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => ({ from, to })));
}

/**
 * Parse `n1|n2,n3` (groups split by `|`, members by `,`). Every name must be a member and appear
 * once; members not named form one more group together. At least two groups must result.
 */
export function parseGroups(spec: string, ids: readonly string[]): string[][] {
  const groups = spec.split('|').map((part) => part.split(',').map((name) => name.trim()).filter((name) => name !== ''));
  if (groups.some((group) => group.length === 0)) throw new Error(`partition "${spec}": every group between "|" needs at least one node`);
  return completeGroups(groups, ids, `partition "${spec}"`);
}

/** Validate explicit groups and add the members left out as one more group. */
export function completeGroups(groups: readonly (readonly string[])[], ids: readonly string[], what = 'partition'): string[][] {
  const seen = new Set<string>();
  for (const name of groups.flat()) {
    if (!ids.includes(name)) throw new Error(`${what}: unknown node "${name}" (members: ${ids.join(', ')})`);
    if (seen.has(name)) throw new Error(`${what}: node ${name} is named twice`);
    seen.add(name);
  }
  const rest = ids.filter((id) => !seen.has(id));
  const complete = [...groups.map((g) => [...g]), ...(rest.length > 0 ? [rest] : [])];
  if (complete.length < 2) throw new Error(`${what}: needs at least two groups, e.g. n1|n2,n3`);
  return complete;
}

/** The directed links between members of different groups: the ones a partition cuts. */
export function linksBetweenGroups(groups: readonly (readonly string[])[]): Link[] {
  const groupOf = new Map<string, number>();
  groups.forEach((group, i) => group.forEach((id) => groupOf.set(id, i)));
  const ids = groups.flat();
  return allLinks(ids).filter((link) => groupOf.get(link.from) !== groupOf.get(link.to));
}

export function formatGroups(groups: readonly (readonly string[])[]): string {
  return groups.map((group) => group.join(',')).join(' | ');
}

export function formatLink(link: Link): string {
  return `${link.from}->${link.to}`;
}
