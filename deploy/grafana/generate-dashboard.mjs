// Writes deploy/grafana/dashboards/bazaar.json (run from the repository root: node deploy/grafana/generate-dashboard.mjs).
import { writeFileSync } from 'node:fs';
const ds = { type: 'prometheus', uid: 'prometheus' };
let id = 0;
const panels = [];
function panel(title, targets, opts = {}) {
  id++;
  const i = panels.length;
  panels.push({
    id, title, type: opts.type ?? 'timeseries', datasource: ds,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: opts.unit ?? 'short', ...(opts.defaults ?? {}) }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
    targets: targets.map(([expr, legendFormat], k) => ({ datasource: ds, expr, legendFormat, refId: String.fromCharCode(65 + k) })),
    ...(opts.description ? { description: opts.description } : {}),
  });
}
const q = (p, m, by) => `histogram_quantile(${p}, sum by (le, ${by}) (rate(${m}_bucket[5m])))`;
panel('HTTP request rate by route', [['sum by (route) (rate(http_request_duration_seconds_count[1m]))', '{{route}}']], { unit: 'reqps' });
panel('HTTP latency p50 / p95 / p99 by route', [
  [q(0.5, 'http_request_duration_seconds', 'route'), 'p50 {{route}}'],
  [q(0.95, 'http_request_duration_seconds', 'route'), 'p95 {{route}}'],
  [q(0.99, 'http_request_duration_seconds', 'route'), 'p99 {{route}}'],
], { unit: 's' });
panel('Trades by outcome', [['sum by (outcome) (rate(bazaar_trades_total[1m]))', '{{outcome}}']], { unit: 'ops' });
panel('Cache hit ratio', [
  ['sum(rate(bazaar_cache_hits_total[5m])) / clamp_min(sum(rate(bazaar_cache_hits_total[5m])) + sum(rate(bazaar_cache_misses_total[5m])), 1e-9)', 'hit ratio'],
  ['sum(rate(bazaar_cache_fills_rejected_total[5m]))', 'fills rejected / s'],
], { unit: 'percentunit' });
panel('Raft term', [['max by (node) (bazaar_raft_term)', '{{node}}']]);
panel('Raft commit / applied index', [
  ['max by (node) (bazaar_raft_commit_index)', 'commit {{node}}'],
  ['max by (node) (bazaar_raft_applied_index)', 'applied {{node}}'],
]);
panel('Raft leader changes and leader', [
  ['sum by (node) (increase(bazaar_raft_leader_changes_total[5m]))', 'changes/5m {{node}}'],
  ['max by (node) (bazaar_raft_is_leader)', 'is leader {{node}}'],
]);
panel('Raft proposals pending and fsync p99', [
  ['sum by (node) (bazaar_raft_proposals_pending)', 'pending {{node}}'],
  [q(0.99, 'bazaar_raft_fsync_duration_seconds', 'node'), 'fsync p99 {{node}}'],
]);
panel('Exchange circuit breaker state', [['max by (exchange) (bazaar_exchange_breaker_state)', '{{exchange}}']], {
  description: '0 closed, 1 half-open, 2 open',
  defaults: { min: 0, max: 2, mappings: [{ type: 'value', options: { 0: { text: 'closed' }, 1: { text: 'half-open' }, 2: { text: 'open' } } }] },
});
panel('Exchange fetch p95 and errors', [
  [q(0.95, 'bazaar_exchange_fetch_duration_seconds', 'exchange'), 'p95 {{exchange}}'],
  ['sum by (exchange) (rate(bazaar_exchange_fetch_errors_total[1m]))', 'errors/s {{exchange}}'],
]);
panel('Price age by tier', [
  ['max by (tier) (bazaar_price_age_seconds{stat="max"})', 'max {{tier}}'],
  ['max by (tier) (bazaar_price_age_seconds{stat="p99"})', 'p99 {{tier}}'],
], { unit: 's' });
panel('Refresh lag p99 and refreshes by tier', [
  [q(0.99, 'bazaar_price_refresh_lag_seconds', 'tier'), 'lag p99 {{tier}}'],
  ['sum by (tier, outcome) (rate(bazaar_price_refreshes_total[1m]))', '{{tier}} {{outcome}}/s'],
], { unit: 's' });
const dashboard = {
  uid: 'bazaar', title: 'Bazaar', tags: ['bazaar'], timezone: 'browser', schemaVersion: 39, version: 1,
  editable: false, refresh: '5s', time: { from: 'now-15m', to: 'now' }, panels,
  templating: { list: [] }, annotations: { list: [] },
};
writeFileSync('deploy/grafana/dashboards/bazaar.json', JSON.stringify(dashboard, null, 2) + '\n');
