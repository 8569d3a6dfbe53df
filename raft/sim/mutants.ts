import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A deliberate bug: on the one core line ending with `// @mutant:<name>`, replace `find` by `replace`. */
export interface Mutant {
  readonly name: string;
  readonly bug: string;
  readonly find: string;
  readonly replace: string;
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
    find: 'this.config.voters.length === 1',
    replace: 'true',
  },
  {
    name: 'lease-ignores-clock',
    bug: 'serves lease reads without asking whether the lease has expired (a paused or cut-off leader answers from stale state)',
    find: 'this.readLeaseValid',
    replace: 'true',
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
export function applyMutant(dir: string, mutant: Mutant): { file: string; before: string; after: string } {
  const marker = markerFor(mutant.name);
  const hits: { file: string; lineNo: number; lines: string[] }[] = [];
  for (const file of listTsFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, lineNo) => {
      if (line.trimEnd().endsWith(marker)) hits.push({ file, lineNo, lines });
    });
  }
  const hit = hits[0];
  if (hit === undefined) throw new Error(`mutant ${mutant.name}: no line in ${dir} ends with "${marker}"`);
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

/** Copy `coreDir` to a fresh temp dir and apply the mutant there; returns the mutant core's path. */
export function prepareMutantCore(coreDir: string, mutant: Mutant): { dir: string; corePath: string; before: string; after: string } {
  const dir = mkdtempSync(join(tmpdir(), `raft-mutant-${mutant.name}-`));
  cpSync(coreDir, dir, { recursive: true });
  const change = applyMutant(dir, mutant);
  return { dir, corePath: join(dir, 'raft-core.ts'), before: change.before, after: change.after };
}

export function removeMutantCore(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => join(dir, name));
}
