import type { NodeId } from './types.js';

/**
 * Single-server membership changes (Ongaro's dissertation §4.1): one voter added or removed at
 * a time, so any majority of the old configuration overlaps any majority of the new one. A
 * change is a log entry (EntryKind.ConfChange) that takes effect on a node as soon as the node
 * appends it, committed or not; a truncated change reverts to the configuration before it.
 * The entry carries the change and the whole configuration it yields, so the configuration in
 * effect is simply the latest one in the log (else the snapshot's, else the bootstrap one).
 */
export const ConfChangeType = {
  /** A new member that receives the log but neither votes nor counts for a quorum. */
  AddLearner: 'add-learner',
  /**
   * A new member votes at once, empty log and all (etcd's AddNode). Hazardous: the quorum grows
   * before the member can help form it (see testdata/conf-add-voter-hazard.txt); prefer
   * AddLearner then Promote. Not offered by Bazaar's admin API.
   */
  AddVoter: 'add-voter',
  /** A caught-up learner becomes a voter. */
  Promote: 'promote',
  /** A voter or learner leaves. */
  Remove: 'remove',
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
  /** AddLearner: an opaque string the application attaches to the member (Bazaar: its Raft address). */
  readonly address?: string;
}

/** A configuration: who votes, who only learns, and each member's application-defined address. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly addresses: Readonly<Record<NodeId, string>>;
}

/** Max bytes of a node id or an address carried by a change. */
export const MAX_CONF_FIELD_BYTES = 256;

/** Why `change` cannot apply to `conf`, or null when it can. */
export function confChangeProblem(conf: ConfState, change: ConfChange): string | null {
  if (typeof change.node !== 'string' || change.node.length === 0 || change.node.length > MAX_CONF_FIELD_BYTES) {
    return 'node id must be a non-empty string of at most 256 characters';
  }
  const isVoter = conf.voters.includes(change.node);
  const isLearner = conf.learners.includes(change.node);
  switch (change.type) {
    case ConfChangeType.AddLearner:
    case ConfChangeType.AddVoter:
      if (isVoter || isLearner) return `${change.node} is already a member`;
      if (change.address !== undefined && (typeof change.address !== 'string' || change.address.length > MAX_CONF_FIELD_BYTES)) {
        return 'address must be a string of at most 256 characters';
      }
      return null;
    case ConfChangeType.Promote:
      return isLearner ? null : `${change.node} is not a learner`;
    case ConfChangeType.Remove:
      if (!isVoter && !isLearner) return `${change.node} is not a member`;
      if (isVoter && conf.voters.length === 1) return `${change.node} is the last voter`;
      return null;
    default:
      return `unknown change type ${String((change as { type: unknown }).type)}`;
  }
}

/** The configuration `change` yields (the change must be valid: see confChangeProblem). */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const without = (ids: readonly NodeId[]): NodeId[] => ids.filter((id) => id !== change.node);
  switch (change.type) {
    case ConfChangeType.AddLearner: {
      const addresses = { ...conf.addresses };
      if (change.address !== undefined) addresses[change.node] = change.address;
      return { voters: [...conf.voters], learners: [...conf.learners, change.node], addresses };
    }
    case ConfChangeType.AddVoter: {
      const addresses = { ...conf.addresses };
      if (change.address !== undefined) addresses[change.node] = change.address;
      return { voters: [...conf.voters, change.node], learners: [...conf.learners], addresses };
    }
    case ConfChangeType.Promote:
      return { voters: [...conf.voters, change.node], learners: without(conf.learners), addresses: { ...conf.addresses } };
    case ConfChangeType.Remove: {
      const addresses = { ...conf.addresses };
      delete addresses[change.node];
      return { voters: without(conf.voters), learners: without(conf.learners), addresses };
    }
  }
}

/** What a ConfChange entry carries. */
export interface ConfEntry {
  readonly change: ConfChange;
  readonly conf: ConfState;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfEntry(entry: ConfEntry): Uint8Array {
  return encoder.encode(JSON.stringify(entry));
}

/** Decodes a ConfChange entry's data; throws on anything malformed (a corrupt log is fatal). */
export function decodeConfEntry(data: Uint8Array): ConfEntry {
  const parsed = JSON.parse(decoder.decode(data)) as Partial<ConfEntry>;
  const conf = parsed.conf;
  const change = parsed.change;
  if (conf === undefined || change === undefined || !isConfState(conf) || typeof change.node !== 'string') {
    throw new Error('malformed configuration change entry');
  }
  return { change, conf };
}

export function isConfState(value: unknown): value is ConfState {
  const v = value as Partial<ConfState> | null;
  const ids = (x: unknown): boolean => Array.isArray(x) && x.every((id) => typeof id === 'string');
  return (
    typeof v === 'object' && v !== null && ids(v.voters) && ids(v.learners) &&
    typeof v.addresses === 'object' && v.addresses !== null &&
    Object.values(v.addresses).every((a) => typeof a === 'string')
  );
}

export function sameConf(a: ConfState, b: ConfState): boolean {
  const key = (c: ConfState): string => JSON.stringify([c.voters, c.learners, Object.entries(c.addresses).sort()]);
  return key(a) === key(b);
}
