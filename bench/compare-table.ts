import type { ResultRow } from './load/report.js';

export interface Comparison {
  name: string;
  baselineName: string;
  baseline: ResultRow | null;
  /** Bazaar as `npm start` runs it (fault proxies on every Raft link); null: not measured. */
  bazaar: ResultRow | null;
  /** Bazaar without fault proxies (`npm start -- --no-proxy`); undefined: that variant was not run. */
  bazaarNoProxy?: ResultRow | null;
}

const ratio = (num: number, den: number): string => (den > 0 ? (num / den).toFixed(2) : '-');
const fig = (v: number | undefined): string => (v === undefined ? '-' : String(v));

function columns(b: ResultRow | null, z: ResultRow | null): string[] {
  return [
    z === null ? 'not measured' : String(z.throughputPerSec),
    fig(z?.latency.p99Ms),
    b !== null && z !== null ? ratio(z.throughputPerSec, b.throughputPerSec) : '-',
    b !== null && z !== null ? ratio(z.latency.p99Ms, b.latency.p99Ms) : '-',
  ];
}

/**
 * Markdown: Bazaar's throughput and p99 as ratios to the baseline's (throughput >1 and p99 <1
 * favour Bazaar); with a no-proxy run, the same four columns again for it.
 */
export function formatComparisonTable(list: readonly Comparison[]): string {
  const noProxy = list.some((c) => c.bazaarNoProxy !== undefined);
  const head = ['load', 'baseline', 'baseline req/s', 'baseline p99 ms', 'Bazaar req/s', 'Bazaar p99 ms', 'throughput ratio', 'p99 ratio'];
  if (noProxy) head.push('no-proxy req/s', 'no-proxy p99 ms', 'no-proxy throughput ratio', 'no-proxy p99 ratio');
  const lines = list.map((c) => {
    const b = c.baseline;
    const cells = [c.name, c.baselineName, fig(b?.throughputPerSec), fig(b?.latency.p99Ms), ...columns(b, c.bazaar)];
    if (noProxy) cells.push(...columns(b, c.bazaarNoProxy ?? null));
    return `| ${cells.join(' | ')} |`;
  });
  return [`| ${head.join(' | ')} |`, '|' + ' --- |'.repeat(head.length), ...lines].join('\n');
}
