import type { ClusterStatus } from './cluster-control.js';
import type { LauncherFile } from './launcher-file.js';
import { formatLink } from './partition.js';
import { redactRedisUrl } from '../src/cache/redis-server.js';

/** Plain-text tables for the launcher's endpoint list and the CLI's status (pure). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function endpointsTable(file: LauncherFile): string {
  const rows: string[][] = [];
  for (const node of file.nodes) {
    rows.push([`${node.id} HTTP`, node.httpUrl, `pid ${file.pids[node.id] ?? '-'}`]);
    rows.push([`${node.id} gRPC`, node.grpcAddress, file.proxies.length === 0 ? 'peers dial it directly (--no-proxy)' : 'peers reach it through the fault proxies']);
  }
  for (const exchange of file.exchanges) rows.push([exchange.id, exchange.url, `pid ${file.pids[exchange.id] ?? '-'}`]);
  const redisNote = file.redis === null ? 'nodes run without the cache' : file.redis.managed ? `redis-server pid ${file.pids['redis'] ?? '-'}, password in <data dir>/redis-password` : 'REDIS_URL';
  rows.push(['Redis', file.redis === null ? 'none' : redactRedisUrl(file.redis.url), redisNote]);
  rows.push(['DynamoDB', file.dynamodbEndpoint, `dynalite pid ${file.pids['dynamodb'] ?? '-'}`]);
  if (file.proxies.length === 0) rows.push(['Toxiproxy API', 'none', 'started with --no-proxy: no partitions or toxics']);
  else rows.push(['Toxiproxy API', file.toxiproxyUrl, `${file.proxies.length} proxies (${file.proxies[0]?.name ?? ''} ...), pid ${file.pids['toxiproxy'] ?? '-'}`]);
  rows.push(['control API', file.controlUrl, 'npm run cluster -- status']);
  rows.push(['data dir', file.dataDir, `logs in ${file.logsDir}`]);
  return formatTable(['service', 'endpoint', 'notes'], rows);
}

export function statusTable(status: ClusterStatus): string {
  const rows = status.nodes.map((node) => {
    const info = node.cluster;
    const links = [
      ...(node.cutTo.length > 0 ? [`to ${node.cutTo.join(',')}`] : []),
      ...(node.cutFrom.length > 0 ? [`from ${node.cutFrom.join(',')}`] : []),
    ];
    const unknown = node.process === 'up' ? '?' : '-';
    return [
      node.id,
      node.pid === null ? '-' : String(node.pid),
      node.process,
      info?.role ?? unknown,
      info === null ? unknown : String(info.term),
      info?.leader ?? (info === null ? unknown : 'none'),
      info === null ? unknown : String(info.commitIndex),
      info === null ? unknown : String(info.appliedIndex),
      links.length === 0 ? '-' : `cut ${links.join('; ')}`,
    ];
  });
  const table = formatTable(['node', 'pid', 'process', 'role', 'term', 'leader', 'commit', 'applied', 'partitioned links'], rows);
  const toxic = status.faultyLinks.filter((l) => l.toxics.length > 0).map((l) => `${formatLink(l.link)} (${l.toxics.join(',')})`);
  const lines = [table, `leader: ${status.leader ?? 'none'} (term ${status.term})`];
  if (toxic.length > 0) lines.push(`toxics: ${toxic.join('; ')}`);
  const silent = status.nodes.filter((n) => n.probeError !== null).map((n) => `${n.id}: ${n.probeError ?? ''}`);
  if (silent.length > 0) lines.push(`no answer from ${silent.join('; ')}`);
  return lines.join('\n');
}
