import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import type { LatencySummary } from './histogram.js';
import type { GeneratorCpu, GroupResult, TagResult } from './types.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  gitCommit: string | null;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    gitCommit: gitCommit(),
  };
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** One row of a result table: a labelled latency/throughput figure set. */
export interface ResultRow {
  scenario: string;
  label: string;
  connections: number;
  ratePerSec: number | null;
  throughputPerSec: number;
  counts: Pick<TagResult, 'sent' | 'completed' | 'ok' | 'non2xx' | 'errors' | 'byStatus'>;
  latency: LatencySummary;
  generatorCpuPercent: number | null;
}

/** Rows of a group: the group total, plus one per tag when there is more than one tag. */
export function rowsOfGroup(scenario: string, group: GroupResult, cpu: GeneratorCpu | null, label = group.name): ResultRow[] {
  const row = (rowLabel: string, r: TagResult, throughputPerSec: number): ResultRow => ({
    scenario,
    label: rowLabel,
    connections: group.connections,
    ratePerSec: group.ratePerSec,
    throughputPerSec,
    counts: { sent: r.sent, completed: r.completed, ok: r.ok, non2xx: r.non2xx, errors: r.errors, byStatus: r.byStatus },
    latency: r.latency,
    generatorCpuPercent: cpu?.percentOfOneCore ?? null,
  });
  const rows = [row(label, group, group.throughputPerSec)];
  const tags = Object.entries(group.byTag);
  if (tags.length > 1) {
    for (const [tag, r] of tags) rows.push(row(`${label} / ${tag}`, r, Math.round((r.completed / group.elapsedMs) * 1000)));
  }
  return rows;
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function formatStatuses(byStatus: Record<string, number>): string {
  const parts = Object.entries(byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** A markdown table of result rows (latencies in ms). */
export function formatResultTable(rows: readonly ResultRow[]): string {
  const header = '| scenario | run | conns | rate/s | req/s | p50 | p95 | p99 | p99.9 | max | sent | non-2xx | errors | by status | gen CPU % |';
  const rule = '|' + ' --- |'.repeat(15);
  const lines = rows.map((r) =>
    [
      r.scenario,
      r.label,
      String(r.connections),
      r.ratePerSec === null ? '-' : String(r.ratePerSec),
      String(r.throughputPerSec),
      ms(r.latency.p50Ms),
      ms(r.latency.p95Ms),
      ms(r.latency.p99Ms),
      ms(r.latency.p999Ms),
      ms(r.latency.maxMs),
      String(r.counts.sent),
      String(r.counts.non2xx),
      String(r.counts.errors),
      formatStatuses(r.counts.byStatus),
      r.generatorCpuPercent === null ? '-' : r.generatorCpuPercent.toFixed(0),
    ].join(' | '),
  );
  return [header, rule, ...lines.map((l) => `| ${l} |`)].join('\n');
}

export function formatMachine(m: MachineInfo): string {
  return `${m.cores} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, commit ${m.gitCommit ?? 'unknown'}`;
}

/** A results directory name from a time: 2026-11-22T11-07-45Z (sortable, no colons). */
export function resultsDirName(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

export interface ReportFiles {
  dir: string;
  markdownPath: string;
  jsonPath: string;
}

/** Write `report.md` and `report.json` under `<resultsRoot>/<time>/`. */
export async function writeReport(resultsRoot: string, at: Date, markdown: string, json: unknown): Promise<ReportFiles> {
  const dir = join(resultsRoot, resultsDirName(at));
  await mkdir(dir, { recursive: true });
  const markdownPath = join(dir, 'report.md');
  const jsonPath = join(dir, 'report.json');
  await writeFile(markdownPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  await writeFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  return { dir, markdownPath, jsonPath };
}
