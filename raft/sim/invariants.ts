import { ConfChangeType, type ConfEntry } from '../core/conf-change.js';
import type { HardState, NodeId } from '../core/types.js';
import type { EntrySignature } from './sim-state-machine.js';

/** A safety or liveness property failed. `invariant` names which one. */
export class InvariantViolation extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
    this.name = 'InvariantViolation';
  }
}

/** Read-only view of one node's durable log, as the checker needs it. */
export interface LogView {
  readonly id: NodeId;
  lowestKnownIndex(): number;
  lastIndex(): number;
  snapshotIndex(): number;
  termAt(index: number): number | undefined;
  /** The configuration change held at `index` (undefined: another entry, or not held). Optional: views without membership. */
  confEntryAt?(index: number): ConfEntry | undefined;
}

/** A log view that can reconstruct configurations (the simulator's stored logs). */
export interface ConfLogView extends LogView {
  /** Voters in effect at `index` by this log (undefined: the log cannot tell). */
  votersAt(index: number, bootstrap: readonly NodeId[]): readonly NodeId[] | undefined;
  confIndexesAbove(index: number): number[];
}

export function majorityOf(voters: readonly NodeId[]): number {
  return Math.floor(voters.length / 2) + 1;
}

function fail(invariant: string, detail: string): never {
  throw new InvariantViolation(invariant, detail);
}

/**
 * The history-wide safety checker. The simulator reports observations after every step;
 * each method throws InvariantViolation on the first inconsistency. Pure bookkeeping: it
 * never looks at a core, only at what the harness shows it, so tests can feed it by hand.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly voteOf = new Map<string, NodeId>();
  private readonly appliedAt: (EntrySignature | undefined)[] = [];
  /** Per committed index: the lowest term in which any node was seen committing it. */
  private readonly commitTermAt: (number | undefined)[] = [];
  /** Per committed index: the entry's own term, when seen. */
  private readonly committedEntryTermAt: (number | undefined)[] = [];
  private committedMaxIndex = 0;
  private readonly commitFloor = new Map<NodeId, number>();
  /** Global log identity: `index:term` -> `prevTerm|signature` of the first copy seen. */
  private readonly entryIdentity = new Map<string, string>();
  /** Per node: [term, match] the node acknowledged to that term's leader. */
  private readonly ackedMatch = new Map<NodeId, { term: number; match: number }>();
  /** Per removed member: the lowest term in which its removal was seen committed. */
  private readonly removedInTerm = new Map<NodeId, number>();
  /** Per committed index: the voters of the leader configuration seen committing it. */
  private readonly commitVotersAt: (readonly NodeId[] | undefined)[] = [];
  /** Per index: the voters a leader's core counted by when its commit index first passed it (busy or idle). */
  private readonly leaderCommitVotersAt: (readonly NodeId[] | undefined)[] = [];
  private leaderCommitNoted = 0;
  /** A configuration change was proposed in this history (else every index is in the bootstrap configuration). */
  private confChanged = false;

  /** `bootstrap`: the voters every original member booted with (the configuration at index 0). */
  constructor(private readonly bootstrap: readonly NodeId[] = []) {}

  /** Election safety: at most one leader per term, over the whole history. */
  observeLeader(id: NodeId, term: number): void {
    const previous = this.leaderOfTerm.get(term);
    if (previous === undefined) this.leaderOfTerm.set(term, id);
    else if (previous !== id) fail('election safety', `two leaders in term ${term}: ${previous} and ${id}`);
    const removedIn = this.removedInTerm.get(id);
    if (removedIn !== undefined && term > removedIn) {
      fail('removed member leads', `${id} leads term ${term}, its removal was committed in term ${removedIn} or before`);
    }
  }

  /** A node granted its vote in `term` (seen on the wire): one candidate per term per node. */
  observeVoteGranted(voter: NodeId, term: number, candidate: NodeId): void {
    const key = `${voter}@${term}`;
    const previous = this.voteOf.get(key);
    if (previous === undefined) this.voteOf.set(key, candidate);
    else if (previous !== candidate) {
      fail('one vote per term', `${voter} granted its term-${term} vote to ${previous} and to ${candidate}`);
    }
  }

  /** Commit monotonicity and commit-term bookkeeping; `view` gives the node's log terms. */
  observeCommit(id: NodeId, commit: number, term: number, view: LogView): void {
    const floor = this.commitFloor.get(id) ?? 0;
    if (commit < floor) fail('commit monotonicity', `${id} commit went from ${floor} down to ${commit}`);
    this.commitFloor.set(id, commit);
    if (commit > view.lastIndex()) fail('commit within log', `${id} commit ${commit} beyond its last index ${view.lastIndex()}`);
    for (let index = Math.max(floor, view.lowestKnownIndex()); index <= commit; index++) {
      if (index === 0) continue;
      const known = this.commitTermAt[index];
      if (known === undefined || term < known) this.commitTermAt[index] = term;
      const entryTerm = view.termAt(index);
      if (entryTerm !== undefined) this.recordCommittedEntryTerm(id, index, entryTerm);
      const conf = index > floor ? view.confEntryAt?.(index) : undefined;
      if (conf?.change.type === ConfChangeType.Remove) this.observeRemovalCommitted(conf.change.node, term);
    }
    if (commit > this.committedMaxIndex) this.committedMaxIndex = commit;
  }

  /** Durable hard state: term and commit never go backwards; the vote changes only with the term. */
  observePersistedHardState(id: NodeId, before: HardState, after: HardState): void {
    if (after.term < before.term) fail('term monotonicity', `${id} persisted term ${after.term} after term ${before.term}`);
    if (after.commit < before.commit) fail('commit monotonicity', `${id} persisted commit ${after.commit} after commit ${before.commit}`);
    if (after.term === before.term && before.vote !== null && after.vote !== before.vote) {
      fail('one vote per term', `${id} persisted vote ${after.vote ?? 'none'} in term ${after.term} after voting ${before.vote}`);
    }
  }

  /** A restarted node starts from its persisted commit: its floor is that, not its old memory. */
  observeRestart(id: NodeId, persistedCommit: number): void {
    this.commitFloor.set(id, persistedCommit);
  }

  /** State-machine safety: every application of index i, on any node, applies the same entry. */
  observeApplied(id: NodeId, index: number, signature: EntrySignature): void {
    const first = this.appliedAt[index];
    if (first === undefined) this.appliedAt[index] = signature;
    else if (first !== signature) {
      fail('state-machine safety', `${id} applied [${signature}] at index ${index}, another node applied [${first}]`);
    }
  }

  /** Log matching over history: entry (index, term) always has the same data and predecessor term. */
  observeStoredEntry(id: NodeId, index: number, term: number, prevTerm: number, signature: EntrySignature): void {
    const key = `${index}:${term}`;
    const identity = `${prevTerm}|${signature}`;
    const first = this.entryIdentity.get(key);
    if (first === undefined) this.entryIdentity.set(key, identity);
    else if (first !== identity) {
      fail('log matching', `${id} stores entry ${index}/${term} as [${identity}], seen elsewhere as [${first}]`);
    }
  }

  /** Log matching on the current logs: a shared (index, term) implies identical prefixes. */
  checkLogMatching(a: LogView, b: LogView): void {
    const lo = Math.max(a.lowestKnownIndex(), b.lowestKnownIndex());
    const hi = Math.min(a.lastIndex(), b.lastIndex());
    let matchAt = -1;
    for (let index = hi; index >= lo; index--) {
      const termA = a.termAt(index);
      if (termA !== undefined && termA === b.termAt(index)) {
        matchAt = index;
        break;
      }
    }
    for (let index = lo; index < matchAt; index++) {
      const termA = a.termAt(index);
      const termB = b.termAt(index);
      if (termA !== undefined && termB !== undefined && termA !== termB) {
        fail('log matching', `${a.id} and ${b.id} agree on ${matchAt}/${a.termAt(matchAt)} but differ at ${index} (${termA} vs ${termB})`);
      }
    }
  }

  /** Leader completeness: entries committed in a term < the leader's are in the leader's log. */
  checkLeaderCompleteness(leader: LogView, leaderTerm: number): void {
    const from = Math.max(1, leader.lowestKnownIndex());
    for (let index = from; index <= this.committedMaxIndex; index++) {
      const commitTerm = this.commitTermAt[index];
      const entryTerm = this.committedEntryTermAt[index];
      if (commitTerm === undefined || entryTerm === undefined || commitTerm >= leaderTerm) continue;
      const held = leader.termAt(index);
      if (held === undefined && index <= leader.snapshotIndex()) continue;
      if (held !== entryTerm) {
        fail(
          'leader completeness',
          `leader ${leader.id} of term ${leaderTerm} holds ${held === undefined ? 'nothing' : `term ${held}`} at ${index}, committed as term ${entryTerm} in term ${commitTerm}`,
        );
      }
    }
  }

  /** A follower acknowledged holding the leader's log up to `match` in `term`. */
  observeAppendAck(id: NodeId, term: number, match: number): void {
    const previous = this.ackedMatch.get(id);
    if (previous === undefined || previous.term !== term || previous.match < match) this.ackedMatch.set(id, { term, match });
  }

  /** Within the term it acknowledged in, a node never loses entries it acknowledged. */
  checkAckedEntriesKept(id: NodeId, currentTerm: number, view: LogView): void {
    const acked = this.ackedMatch.get(id);
    if (acked === undefined || acked.term !== currentTerm) return;
    if (view.lastIndex() < acked.match) {
      fail('acknowledged entries kept', `${id} acknowledged entries up to ${acked.match} in term ${currentTerm}, its log now ends at ${view.lastIndex()}`);
    }
  }

  /** Linearizable ReadIndex: the read index covers every write acknowledged before the read began. */
  checkRead(id: NodeId, context: string, readIndex: number, requiredIndex: number): void {
    if (readIndex < requiredIndex) {
      fail('linearizable read', `${id} answered read ${context} at index ${readIndex}, but a write at ${requiredIndex} was acknowledged before it was issued`);
    }
  }

  /**
   * A leader's core, as it is now (its Ready loop may be mid-I/O): its commit index and the
   * voters of its configuration, the latest in its log. Indexes its commit passed first here were
   * committed by those voters. The idle-leader check (checkCommitQuorum) may never run for them
   * when I/O keeps the leader busy.
   */
  noteLeaderCommit(commit: number, voters: readonly NodeId[]): void {
    for (let index = this.leaderCommitNoted + 1; index <= commit; index++) this.leaderCommitVotersAt[index] = voters;
    if (commit > this.leaderCommitNoted) this.leaderCommitNoted = commit;
  }

  /** The harness proposed a configuration change: from now on configurations come from the logs. */
  noteConfChange(): void {
    this.confChanged = true;
  }

  private observeRemovalCommitted(id: NodeId, term: number): void {
    const known = this.removedInTerm.get(id);
    if (known === undefined || term < known) this.removedInTerm.set(id, term);
  }

  /**
   * Membership, on an idle leader: at most one configuration change above its commit index
   * (single-server changes are safe only one at a time), and it is a voter of its configuration
   * unless its latest change removed it (it then leads only until the removal commits).
   */
  checkLeaderConf(leader: ConfLogView, term: number, commit: number): void {
    const above = leader.confIndexesAbove(commit);
    if (above.length > 1) {
      fail('one configuration change in flight', `leader ${leader.id} of term ${term} holds uncommitted configuration changes at ${above.join(', ')} (commit ${commit})`);
    }
    const last = leader.lastIndex();
    if (leader.votersAt(last, this.bootstrap)?.includes(leader.id) !== false) return;
    const latest = leader.confIndexesAbove(leader.lowestKnownIndex() - 1).at(-1);
    const change = latest === undefined ? undefined : leader.confEntryAt?.(latest)?.change;
    const removedItself = latest !== undefined && change?.type === ConfChangeType.Remove && change.node === leader.id;
    if (!removedItself) fail('leader is a voter', `${leader.id} leads term ${term} but is not a voter of its configuration (latest change at ${latest ?? 'none'})`);
  }

  /**
   * Commit quorum, on an idle leader whose commit index moved: the entry at its commit index is
   * durable on a majority of the voters of the configuration in effect on the leader: the latest
   * in its log, committed or not. `voterSets` holds that one, and, while the latest change is above
   * the commit index, also the one before it (a check that ran late may see a commit decided before
   * the change was appended). Learners' and removed members' copies do not count.
   */
  checkCommitQuorum(leader: NodeId, commit: number, entryTerm: number | undefined, voterSets: readonly (readonly NodeId[])[], durable: readonly LogView[]): void {
    if (commit === 0 || entryTerm === undefined) return;
    const holders = durable.filter((view) => commit <= view.snapshotIndex() || view.termAt(commit) === entryTerm).map((view) => view.id);
    const voters = voterSets.find((set) => holders.filter((id) => set.includes(id)).length >= majorityOf(set));
    if (voters === undefined) {
      const shown = voterSets.map((set) => `[${set.join(' ')}] (majority ${majorityOf(set)})`).join(' or ');
      fail('commit quorum', `leader ${leader} committed ${commit}/${entryTerm}, durable on [${holders.join(' ')}], voters ${shown}`);
    }
    // Entries up to here are durable on a majority of these voters (an uncommitted change's voters
    // count: a leader commits by the configuration in effect on it, sim seed 284).
    for (let index = commit; index > 0 && this.commitVotersAt[index] === undefined; index--) this.commitVotersAt[index] = voters;
  }

  /**
   * Durability: every entry seen committed is held, in its committed term, by a majority of the
   * voters that committed it, in their DURABLE logs (what survives a power loss; a durable snapshot
   * covering it counts). A write synced too late or not at all breaks this before any data is lost.
   * The voters are those the leader seen committing it counted by; else those its core counted
   * by when its commit passed the index (noteLeaderCommit), or, from every log holding the entry,
   * those in effect at the index or those of the next configuration change after it (a leader
   * counts by its latest one, committed or not). Without the second, an entry committed by a
   * removal appended above it was judged by the configuration before the removal once the leader
   * compacted it (seeds with many I/O stalls, where the leader was never idle to be checked).
   */
  checkDurable(durable: readonly ConfLogView[]): void {
    for (let index = 1; index <= this.committedMaxIndex; index++) {
      const term = this.committedEntryTermAt[index];
      if (term === undefined) continue;
      const holders = durable.filter((view) => index <= view.snapshotIndex() || view.termAt(index) === term).map((view) => view.id);
      const recorded = this.commitVotersAt[index];
      const noted = this.leaderCommitVotersAt[index];
      const candidates =
        recorded !== undefined ? [recorded] : !this.confChanged ? [this.bootstrap] : [...(noted === undefined ? [] : [noted]), ...this.votersFromLogs(durable, index, term)];
      if (candidates.length === 0) continue;
      const ok = candidates.some((voters) => holders.filter((id) => voters.includes(id)).length >= majorityOf(voters));
      if (!ok) {
        const shown = candidates.map((voters) => `[${voters.join(' ')}]`).join(' or ');
        fail('durability', `committed entry ${index}/${term} is durable on [${holders.join(' ')}], not on a majority of the voters ${shown}`);
      }
    }
  }

  private votersFromLogs(views: readonly ConfLogView[], index: number, term: number): (readonly NodeId[])[] {
    const found: (readonly NodeId[])[] = [];
    for (const view of views) {
      if (view.termAt(index) !== term) continue;
      const at = view.votersAt(index, this.bootstrap);
      if (at === undefined) continue;
      found.push(at);
      const next = view.confIndexesAbove(index)[0];
      const after = next === undefined ? undefined : view.votersAt(next, this.bootstrap);
      if (after !== undefined) found.push(after);
    }
    return found;
  }

  private recordCommittedEntryTerm(id: NodeId, index: number, entryTerm: number): void {
    const known = this.committedEntryTermAt[index];
    if (known === undefined) this.committedEntryTermAt[index] = entryTerm;
    else if (known !== entryTerm) {
      fail('committed entry stable', `${id} committed index ${index} with term ${entryTerm}, it was committed with term ${known}`);
    }
  }
}
