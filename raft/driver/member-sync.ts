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
 * change is reached at the address the change carries; a member that left is forgotten once
 * its removal is committed (a removed leader needs its followers' answers to commit its own
 * removal). Called before each Ready's messages leave, so appends to a new learner find its address.
 */
export class MemberSync {
  private last: MembersView | null = null;
  private lastKey = '';
  /** Members that left, with the index of the change that removed them: forgotten once it commits. */
  private readonly leaving = new Map<NodeId, number>();

  constructor(
    private readonly selfId: NodeId,
    private readonly transport: RaftTransport,
  ) {}

  /** Returns the new view when the configuration changed since the last call, else null. */
  sync(status: Status): MembersView | null {
    if (this.leaving.size > 0) this.forgetCommittedRemovals(status);
    const last = this.last;
    // The core replaces its configuration objects on change: identity says "unchanged" cheaply.
    if (last !== null && last.voters === status.voters && last.learners === status.learners && last.addresses === status.addresses) return null;
    const view: MembersView = { voters: status.voters, learners: status.learners, addresses: status.addresses, confIndex: status.confIndex };
    const k = key(view);
    if (last !== null && k === this.lastKey) {
      this.last = view;
      return null;
    }
    for (const [id, address] of Object.entries(view.addresses)) {
      if (id !== this.selfId) this.transport.setPeer?.(id, address);
    }
    if (last !== null) {
      const now = new Set([...view.voters, ...view.learners]);
      for (const id of [...last.voters, ...last.learners]) {
        if (id !== this.selfId && !now.has(id)) this.leaving.set(id, view.confIndex);
      }
      for (const id of now) this.leaving.delete(id); // re-added, or a removal truncated away
      this.forgetCommittedRemovals(status);
    }
    this.last = view;
    this.lastKey = k;
    return view;
  }

  private forgetCommittedRemovals(status: Status): void {
    const members = new Set([...status.voters, ...status.learners]);
    for (const [id, index] of this.leaving) {
      if (members.has(id)) this.leaving.delete(id);
      else if (status.commit >= index) {
        this.leaving.delete(id);
        this.transport.removePeer?.(id);
      }
    }
  }

  current(): MembersView | null {
    return this.last;
  }
}
