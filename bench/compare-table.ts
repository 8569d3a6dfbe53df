import type { ResultRow } from './load/report.js';

export interface Comparison {
  name: string;
  baselineName: string;
  baseline: ResultRow | null;
  bazaar: ResultRow | null;
}

const ratio = (num: number, den: number): string => (den > 0 ? (num / den).toFixed(2) : '-');
const fig = (v: number | undefined): string => (v === undefined ? '-' : String(v));

/** Markdown: Bazaar's throughput and p99 as ratios to the baseline's (throughput >1 and p99 <1 favour Bazaar). */
export function formatComparisonTable(list: readonly Comparison[]): string {
  const header = '| load | baseline | baseline req/s | baseline p99 ms | Bazaar req/s | Bazaar p99 ms | throughput ratio | p99 ratio |';
  const rule = '|' + ' --- |'.repeat(8);
  const lines = list.map((c) => {
    const b = c.baseline;
    const z = c.bazaar;
    return `| ${[
      c.name,
      c.baselineName,
      fig(b?.throughputPerSec),
      fig(b?.latency.p99Ms),
      z === null ? 'not measured' : String(z.throughputPerSec),
      fig(z?.latency.p99Ms),
      b !== null && z !== null ? ratio(z.throughputPerSec, b.throughputPerSec) : '-',
      b !== null && z !== null ? ratio(z.latency.p99Ms, b.latency.p99Ms) : '-',
    ].join(' | ')} |`;
  });
  return [header, rule, ...lines].join('\n');
}
