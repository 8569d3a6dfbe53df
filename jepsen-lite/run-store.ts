/**
 * The run's store directory `jepsen-lite/store/<time>-<name>/`: history.jsonl, results.json
 * (verdicts + everything needed to re-check the history), timeline.html and the node logs.
 */
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkHistory, type CheckOptions, type CheckReport } from './checkers/index.js';
import { readHistory, writeHistory, type HistoryOp } from './history.js';
import { renderTimeline } from './report/timeline.js';

export const STORE_ROOT = join('jepsen-lite', 'store');

export interface RunMeta {
  name: string;
  seed: number;
  startedAt: string;
  options: Record<string, unknown>;
  check: CheckOptions;
}

export function storeDirName(startedAt: Date, name: string): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${name}`;
}

export async function writeRunStore(dir: string, meta: RunMeta, history: readonly HistoryOp[], report: CheckReport, logsDir: string | null): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeHistory(join(dir, 'history.jsonl'), history);
  await writeFile(join(dir, 'results.json'), JSON.stringify({ verdict: report.verdict, ...meta, checkers: report.checkers }, null, 2));
  await writeFile(join(dir, 'timeline.html'), renderTimeline(history, report, { title: `jepsen-lite ${meta.name}`, seed: meta.seed }));
  if (logsDir === null) return;
  const exists = await stat(logsDir).then(() => true, () => false);
  if (exists) await cp(logsDir, join(dir, 'logs'), { recursive: true });
}

/** Re-checks a stored run (history.jsonl + the check options in results.json); rewrites nothing. */
export async function recheckStore(dir: string): Promise<CheckReport> {
  const history = await readHistory(join(dir, 'history.jsonl'));
  let meta: { check?: CheckOptions };
  try {
    meta = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { check?: CheckOptions };
  } catch (err) {
    throw new Error(`cannot read ${join(dir, 'results.json')}: ${(err as Error).message}`);
  }
  if (meta.check === undefined) throw new Error(`${join(dir, 'results.json')} has no "check" options`);
  return checkHistory(history, meta.check);
}
