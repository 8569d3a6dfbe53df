import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FaultProfile } from './fault-profile.js';

/** A deliberate bug: on the one line (of core, driver or storage) ending with `// @mutant:<name>`, replace `find` by `replace`. */
export interface Mutant {
  readonly name: string;
  readonly bug: string;
  readonly find: string;
  readonly replace: string;
  /**
   * Fault probabilities changed from the default profile for this mutant's seeds, when its bug
   * needs a race the default profile makes rare (the seeds are the same; only their faults differ).
   */
  readonly faults?: Partial<FaultProfile>;
}

export const mutants: readonly Mutant[] = [
  {
    name: 'commit-prev-term',
    bug: 'commits a previous-term entry by counting replicas (Raft Figure 8)',
    find: ' && this.log.term(mci) === this.term',
    replace: '',
  },
  {
    name: 'vote-no-log-check',
    bug: 'grants a vote without the log up-to-date check',
    find: 'this.log.isUpToDate(m.lastIndex, m.lastTerm)',
    replace: 'true',
  },
  {
    name: 'vote-not-persisted',
    bug: 'leaves the vote out of the hard state the Ready asks to persist',
    find: 'vote: this.vote,',
    replace: 'vote: null,',
  },
  {
    name: 'truncate-on-stale-append',
    bug: 'a follower truncates its log after a stale AppendEntries whose entries it already holds (above its commit)',
    find: 'this.findConflict(entries)',
    replace: '((entries[0]?.index ?? 0) > this.committed ? (entries[0]?.index ?? 0) : this.findConflict(entries))',
  },
  {
    name: 'read-without-leadership-check',
    bug: 'answers a ReadIndex without confirming leadership with a quorum',
    find: 'this.soleVoter()',
    replace: 'true',
  },
  {
    name: 'lease-ignores-clock',
    bug: 'serves lease reads without asking whether the lease has expired (a paused or cut-off leader answers from stale state)',
    find: 'this.readLeaseValid',
    replace: 'true',
  },
  // Driver, storage and core mutants of the Ready loop as shipped (issue 12), and our own.
  {
    name: 'send-before-synced-vote',
    bug: 'driver: sends a Ready\'s messages before the synced write of a Ready that changed the vote (or term)',
    find: '!ready.mustSync',
    replace: '(!ready.mustSync || ready.entries.length === 0)',
  },
  {
    name: 'apply-before-persist',
    bug: 'driver: applies committed entries before persisting the Ready that carries them',
    find: 'if (write !== null) await this.storage.persistReady(write);',
    // (The early apply of stored entries is awaited first, not started twice.)
    replace: 'await (early ?? this.applyCommitted(ready.committedEntries)); if (write !== null) await this.storage.persistReady(write);',
  },
  {
    name: 'early-apply-unstored',
    bug: 'driver: applies a Ready\'s committed entries while its write runs although some of them are in that write',
    find: 'lastCommitted.index < firstNew.index',
    replace: 'true',
  },
  {
    name: 'compact-before-core-caught-up',
    bug: 'driver: compacts the log before the core caught up with the applied index (restart backlog > maxApplyEntriesPerReady)',
    find: 'this.core.status().applied < this.applied',
    replace: 'false',
  },
  {
    name: 'term-vote-unsynced',
    bug: 'driver: defers a term or vote change like a commit-only hard state (not written before its messages leave)',
    find: 'ready.mustSync ?? true',
    replace: 'false',
  },
  {
    name: 'must-sync-ignores-vote',
    bug: 'core: mustSync false for a Ready that only changed the vote',
    find: ' || hs.vote !== prev.vote',
    replace: '',
  },
  // lease-stickiness-prevote-only (the marker stays in raft-core.ts) is no longer in this table:
  // since members also hold Votes in the term they reach (leaseMayHold), refusing only PreVotes
  // at a higher term no longer lets a second leader in while a lease holds; the changed term
  // still shows in raft/core/testdata/lease-read.txt, which catches it.
  {
    name: 'timeout-now-early',
    bug: 'core: sends TimeoutNow before the transferee\'s log is up to date',
    find: 'pr.match === this.log.lastIndex()',
    replace: 'true',
  },
  {
    name: 'read-context-reused',
    bug: 'driver: read contexts restart at 1 in every process life (a late answer to a read of a previous life answers a new one)',
    find: '/${this.lifeId}',
    replace: '',
  },
  {
    name: 'jitter-ignores-id',
    bug: 'driver: election jitter from the seed alone (members given one seed time out together, forever)',
    find: 'hash ^ id.charCodeAt(i)',
    replace: 'hash',
  },
  {
    name: 'compact-behind-received-snapshot',
    bug: 'driver: compacts at its state machine\'s index although a newer snapshot from the leader reached the core while the loop awaited I/O',
    find: 'index <= this.core.status().snapshotIndex',
    replace: 'false',
    // The race needs a leader's snapshot to arrive while a checkpoint's I/O stalls. With the
    // default profile (2% of I/O stalls, up to 3 ticks) it came once in 1,000-2,000 seeds, and
    // after the driver stopped writing commit-only Readys not within the CI seeds (first at seed
    // 2166); with stalls of up to 12 ticks, at seed 120.
    faults: { ioStallMaxTicks: 12 },
  },
  {
    name: 'restart-skips-snapshot-restore',
    bug: 'driver: on restart, does not bring a state machine that is behind the stored snapshot up to it',
    find: 'snapshot !== null && machineApplied < snapshot.meta.index',
    replace: 'false',
  },
  // Membership (single-server changes with learners, issue 15): the simulator's membership draws catch these.
  {
    name: 'conf-quorum-old-config',
    bug: 'core: commits by the quorum of the configuration before the uncommitted change (a removed voter\'s copy still counts)',
    find: 'this.conf.voters;',
    replace: 'this.confs.at(this.log.committed).voters;',
  },
  {
    name: 'learner-ack-counts',
    bug: 'core: counts learners\' acknowledgements toward the commit quorum',
    find: 'voters.map(',
    replace: '[...voters, ...this.conf.learners].map(',
  },
  {
    name: 'conf-change-second-in-flight',
    bug: 'core: accepts a configuration change while another one is still uncommitted',
    find: 'this.confs.lastIndex() > this.log.committed',
    replace: 'false',
  },
  {
    name: 'promote-not-caught-up',
    bug: 'core: promotes a learner that does not hold everything committed yet',
    find: 'match < this.log.committed',
    replace: 'false',
  },
  {
    name: 'removed-node-campaigns',
    bug: 'core: learners and removed members campaign like voters',
    find: '!this.mayCampaign()',
    replace: 'false',
  },
];

export function markerFor(name: string): string {
  return `// @mutant:${name}`;
}

/**
 * Apply `mutant` to the .ts files of `dir` (in place). Throws unless exactly one line carries
 * the marker and that line contains `find` exactly once: a mutant can never silently test nothing.
 * Returns the file changed and the line before / after.
 */
export function applyMutant(dir: string | readonly string[], mutant: Mutant): { file: string; before: string; after: string } {
  const marker = markerFor(mutant.name);
  const hits: { file: string; lineNo: number; lines: string[] }[] = [];
  for (const file of (typeof dir === 'string' ? [dir] : dir).flatMap(listTsFiles)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, lineNo) => {
      if (line.trimEnd().endsWith(marker)) hits.push({ file, lineNo, lines });
    });
  }
  const hit = hits[0];
  if (hit === undefined) throw new Error(`mutant ${mutant.name}: no line in ${String(dir)} ends with "${marker}"`);
  if (hits.length > 1) throw new Error(`mutant ${mutant.name}: ${hits.length} lines carry "${marker}", expected one`);
  const before = hit.lines[hit.lineNo] ?? '';
  const occurrences = before.split(mutant.find).length - 1;
  if (occurrences !== 1) {
    throw new Error(`mutant ${mutant.name}: the marked line must contain "${mutant.find}" once, found ${occurrences} in: ${before.trim()}`);
  }
  const after = before.replace(mutant.find, mutant.replace);
  hit.lines[hit.lineNo] = after;
  writeFileSync(hit.file, hit.lines.join('\n'));
  return { file: hit.file, before: before.trim(), after: after.trim() };
}

/** The parts of raft/ a simulation runs (copied for a mutant, with common/; tests, transport, demos stay out). */
const treeParts = ['core', 'driver', 'errors', 'storage', 'sim'] as const;

/**
 * Copy the Raft library the simulator runs (`raftDir`'s core, driver, storage, sim, and the repo's common/) to a fresh
 * temp dir, next to a link to the repo's node_modules, and apply the mutant there. Returns the
 * copied raft dir (load its sim/seed-runner.ts to run seeds against the mutant).
 */
export function prepareMutantTree(raftDir: string, mutant: Mutant): { dir: string; raftDir: string; before: string; after: string } {
  const dir = mkdtempSync(join(tmpdir(), `raft-mutant-${mutant.name}-`));
  const copy = join(dir, 'raft');
  for (const part of treeParts) {
    cpSync(join(raftDir, part), join(copy, part), { recursive: true, filter: (source) => !source.endsWith('.test.ts') && !source.endsWith('.txt') });
  }
  const repo = dirname(resolve(raftDir));
  cpSync(join(repo, 'common'), join(dir, 'common'), { recursive: true, filter: (source) => !source.endsWith('.test.ts') });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(repo, 'package.json'), join(dir, 'package.json'));
  const change = applyMutant([copy, join(dir, 'common')], mutant);
  return { dir, raftDir: copy, before: change.before, after: change.after };
}

export function removeMutantTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

type SeedRunnerModule = typeof import('./seed-runner.js');

/** Import the seed runner of a raft tree (the real one beside this file, or a mutant copy). */
export async function loadSeedRunner(raftDir: string): Promise<SeedRunnerModule> {
  const url = pathToFileURL(join(resolve(raftDir), 'sim', 'seed-runner.ts')).href;
  return (await import(url)) as SeedRunnerModule;
}

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => join(dir, name));
}
