import { invariant } from './assert.js';
import { decodeConfEntry, type ConfState } from './conf-change.js';
import { EntryKind, type Entry, type SnapshotMeta } from './types.js';

interface LoggedConf {
  readonly index: number;
  readonly conf: ConfState;
}

/** The configuration a snapshot carries (fields absent in older snapshots mean none). */
export function snapshotConf(meta: SnapshotMeta): ConfState {
  return { voters: [...meta.voters], learners: [...(meta.learners ?? [])], addresses: { ...(meta.addresses ?? {}) } };
}

/**
 * Which configuration is in effect: the latest ConfChange entry in the log, else the
 * snapshot's, else the bootstrap one (RaftConfig). Tracks the configuration entries above the
 * snapshot so truncation of an uncommitted change reverts to the one before it.
 */
export class ConfTracker {
  private snapConf: ConfState | null;
  /** ConfChange entries in the log above the snapshot, by index. */
  private logged: LoggedConf[] = [];

  constructor(
    private readonly bootstrap: ConfState,
    snapshot: SnapshotMeta | null,
    entries: readonly Entry[],
  ) {
    this.snapConf = snapshot === null ? null : snapshotConf(snapshot);
    const above = snapshot?.index ?? 0;
    this.add(entries.filter((e) => e.index > above));
  }

  current(): ConfState {
    return this.logged[this.logged.length - 1]?.conf ?? this.snapConf ?? this.bootstrap;
  }

  /** Index of the latest configuration entry in the log (0 when none above the snapshot). */
  lastIndex(): number {
    return this.logged[this.logged.length - 1]?.index ?? 0;
  }

  /** The configuration in effect at `index` (entries up to it), for a snapshot taken there. */
  at(index: number): ConfState {
    let conf = this.snapConf ?? this.bootstrap;
    for (const logged of this.logged) {
      if (logged.index > index) break;
      conf = logged.conf;
    }
    return conf;
  }

  /** Entries were appended at the end of the log (leader). */
  appended(entries: readonly Entry[]): void {
    this.add(entries);
  }

  /**
   * Follower: the log now holds exactly `entries` after `prevIndex` and ends at `lastIndex`
   * (entries past the new ones survive only when nothing conflicted).
   */
  followerAppended(prevIndex: number, entries: readonly Entry[], lastIndex: number): void {
    const lastNew = prevIndex + entries.length;
    const kept = this.logged.filter((l) => l.index <= prevIndex || (l.index > lastNew && l.index <= lastIndex));
    const before = kept.filter((l) => l.index <= prevIndex);
    const after = kept.filter((l) => l.index > lastNew);
    this.logged = before;
    this.add(entries);
    this.logged.push(...after);
  }

  /** The log was replaced by a snapshot from the leader. */
  restored(meta: SnapshotMeta): void {
    this.snapConf = snapshotConf(meta);
    this.logged = [];
  }

  /** The application took a snapshot at `index`: returns the configuration to record in it. */
  compacted(index: number): ConfState {
    const conf = this.at(index);
    this.snapConf = conf;
    this.logged = this.logged.filter((l) => l.index > index);
    return conf;
  }

  private add(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.kind !== EntryKind.ConfChange) continue;
      const last = this.logged[this.logged.length - 1];
      invariant(last === undefined || last.index < entry.index, () => `configuration entry ${entry.index} after ${last?.index}`);
      this.logged.push({ index: entry.index, conf: decodeConfEntry(entry.data).conf });
    }
  }
}
