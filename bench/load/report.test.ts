import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatComparisonTable } from '../compare-table.js';
import { cpuFigures } from './cpu.js';
import { formatResultTable, formatStatuses, machineInfo, resultsDirName, rowsOfGroup, writeReport, type ResultRow } from './report.js';
import type { GroupResult } from './types.js';

const latency = { count: 10, meanMs: 1, p50Ms: 0.5, p95Ms: 2, p99Ms: 3.25, p999Ms: 12.5, maxMs: 140 };

function group(): GroupResult {
  const tag = { sent: 10, completed: 9, ok: 8, non2xx: 1, errors: 1, byStatus: { '503': 1, ECONNRESET: 1 }, latency };
  return {
    ...tag,
    name: 'hot',
    mode: 'closed',
    connections: 4,
    ratePerSec: null,
    elapsedMs: 1000,
    throughputPerSec: 9,
    okPerSec: 8,
    byTag: { lookup: { ...tag, sent: 6, completed: 6 }, trade: { ...tag, sent: 4, completed: 3 } },
  };
}

describe('report formatting', () => {
  it('makes one row per group plus one per tag when there are several tags', () => {
    const rows = rowsOfGroup('s', group(), cpuFigures(500_000, 100_000, 1000, 2));
    expect(rows.map((r) => r.label)).toEqual(['hot', 'hot / lookup', 'hot / trade']);
    expect(rows[0]?.generatorCpuPercent).toBe(60);
    expect(rows[2]?.throughputPerSec).toBe(3);
  });

  it('renders a markdown table with ms figures and statuses', () => {
    const rows = rowsOfGroup('stocks-read', group(), null);
    const table = formatResultTable(rows).split('\n');
    expect(table).toHaveLength(2 + rows.length);
    expect(table[0]?.split('|').length).toBe(table[1]?.split('|').length);
    expect(table[2]).toBe('| stocks-read | hot | 4 | - | 9 | 0.50 | 2.00 | 3.25 | 12.5 | 140 | 10 | 1 | 1 | 503: 1, ECONNRESET: 1 | - |');
    expect(formatStatuses({})).toBe('-');
  });

  it('renders ratios of Bazaar to baseline and marks missing runs', () => {
    const row = rowsOfGroup('x', group(), null)[0] as ResultRow;
    const faster = { ...row, throughputPerSec: 18, latency: { ...latency, p99Ms: 1.625 } };
    const text = formatComparisonTable([
      { name: 'reads', baselineName: 'fastify', baseline: row, bazaar: faster },
      { name: 'trades', baselineName: 'etcd', baseline: null, bazaar: null },
    ]);
    expect(text).toContain('| reads | fastify | 9 | 3.25 | 18 | 1.625 | 2.00 | 0.50 |');
    expect(text).toContain('| trades | etcd | - | - | not measured | - | - | - |');
    expect(text).not.toContain('no-proxy');
    const both = formatComparisonTable([{ name: 'reads', baselineName: 'fastify', baseline: row, bazaar: row, bazaarNoProxy: faster }]);
    expect(both).toContain('| no-proxy req/s | no-proxy p99 ms | no-proxy throughput ratio | no-proxy p99 ratio |');
    expect(both).toContain('| reads | fastify | 9 | 3.25 | 9 | 3.25 | 1.00 | 1.00 | 18 | 1.625 | 2.00 | 0.50 |');
  });

  it('names results directories by time and writes md + json with machine info', async () => {
    expect(resultsDirName(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03-04-05Z');
    const root = await mkdtemp(join(tmpdir(), 'bench-report-'));
    try {
      const m = machineInfo();
      expect(m.cores).toBeGreaterThan(0);
      expect(m.node).toBe(process.version);
      const files = await writeReport(root, new Date('2026-01-02T03:04:05Z'), '# t', { machine: m });
      expect(await readFile(files.markdownPath, 'utf8')).toBe('# t\n');
      expect(JSON.parse(await readFile(files.jsonPath, 'utf8'))).toEqual({ machine: m });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
