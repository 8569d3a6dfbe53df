import { fileURLToPath } from 'node:url';
import { loadSymbols } from '../src/catalog/symbols.js';
import type { ClusterHandle } from './cluster-handle.js';
import { formatMachine, formatResultTable, type MachineInfo, writeReport, type ReportFiles } from './load/report.js';
import { runLoadInChild } from './load/run-in-child.js';
import { phaseMs, type BenchOptions } from './options.js';
import type { ScenarioContext, ScenarioOutcome } from './scenarios/scenario.js';

export const SYMBOLS_PATH = fileURLToPath(new URL('../symbols.csv', import.meta.url));

export async function scenarioContext(options: BenchOptions, cluster: ClusterHandle): Promise<ScenarioContext> {
  return {
    options,
    cluster,
    symbols: await loadSymbols(SYMBOLS_PATH),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
    runLoad: runLoadInChild,
    phaseMs: (n) => phaseMs(options, n),
  };
}

export interface ReportSection {
  title: string;
  outcome: ScenarioOutcome;
}

/** Markdown of a whole run: title, command, machine, one table + notes per section. */
export function renderReport(title: string, command: string, machine: MachineInfo, seed: number, sections: readonly ReportSection[], extra = ''): string {
  const parts = [`# ${title}`, '', `Command: \`${command}\``, '', `Machine: ${formatMachine(machine)}. Seed: ${seed}.`, ''];
  if (extra !== '') parts.push(extra, '');
  for (const s of sections) {
    parts.push(`## ${s.title}`, '');
    if (s.outcome.rows.length > 0) parts.push(formatResultTable(s.outcome.rows), '');
    if (s.outcome.markdown !== undefined) parts.push(s.outcome.markdown, '');
    for (const note of s.outcome.notes) parts.push(`- ${note}`);
    parts.push('');
  }
  parts.push('Latencies in ms (HDR histogram, 3 significant digits). Closed loop unless a rate is shown; open-loop latency counts from each request\'s intended send time.');
  return parts.join('\n');
}

export async function saveReport(options: BenchOptions, markdown: string, json: Record<string, unknown>): Promise<ReportFiles> {
  const files = await writeReport(options.resultsRoot, new Date(), markdown, json);
  process.stderr.write(`[bench] wrote ${files.markdownPath} and ${files.jsonPath}\n`);
  return files;
}
