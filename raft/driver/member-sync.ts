import type { NodeId, Status } from '../core/types.js';
import type { RaftTransport } from '../transport/transport.js';

/** The configuration in effect on this node (the latest appended, committed or not). */
export interface MembersView {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Addresses of members added by configuration changes (bootstrap members keep their configured ones). */
  readonly addresses: Readonly<Record<NodeId, string>>;
  /** Index of the latest configuration change (0: none since the snapshot). */
  readonly confIndex: number;
}

function key(m: MembersView): string {
  return JSON.stringify([m.voters, m.learners, Object.entries(m.addresses).sort()]);
}

/**
 * Keeps the transport's peers in step with the configuration in effect: a member added by a
 * change is reached at the address the change carries, from the moment the change is appended.
 * A member that left is never forgotten by the transport: a node catching up replays old
 * configurations (a learner appending history, a member back from a crash), and dropping the
 * peers they lack would make it refuse the very leader it is catching up from. Members that left
 * get nothing from the core (no progress, no votes asked), and cannot disrupt it: PreVote and
 * CheckQuorum. The peer list grows by one per member ever added (bounded by the changes made).
 * Called before each Ready's messages leave, so appends to a new learner find its address.
 */
export class MemberSync {
  private last: MembersView | null = null;
  private lastKey = '';

  constructor(
    private readonly selfId: NodeId,
    private readonly transport: RaftTransport,
  ) {}

  /** Returns the new view when the configuration changed since the last call, else null. */
  sync(status: Status): MembersView | null {
    const last = this.last;
    // The core replaces its configuration objects on change: identity says "unchanged" cheaply.
    if (last !== null && last.voters === status.voters && last.learners === status.learners && last.addresses === status.addresses) return null;
    const view: MembersView = { voters: status.voters, learners: status.learners, addresses: status.addresses, confIndex: status.confIndex };
    const k = key(view);
    this.last = view;
    if (last !== null && k === this.lastKey) return null;
    for (const [id, address] of Object.entries(view.addresses)) {
      if (id !== this.selfId) this.transport.setPeer?.(id, address);
    }
    this.lastKey = k;
    return view;
  }

  current(): MembersView | null {
    return this.last;
  }
}
