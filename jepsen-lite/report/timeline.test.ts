import { describe, expect, it } from 'vitest';
import { checkHistory } from '../checkers/index.js';
import { HistoryBuilder } from '../testing/history-builder.js';
import { faultBands, renderTimeline } from './timeline.js';

function history(stale: boolean) {
  return new HistoryBuilder()
    .phase('workload')
    .buy(0, 'aapl', 10, 'k1', 'n1').filled(0, 1)
    .nemesis('partition', { action: 'start', groups: [['n1'], ['n2', 'n3']] })
    .read(1, 'aapl', 'n2<script>').readOk(1, stale ? 100 : 90)
    .sell(2, 'aapl', 1, 'k2', 'n3').info(2)
    .nemesis('partition', { action: 'stop' })
    .phase('heal')
    .phase('final')
    .buy(2, 'aapl', 1, 'k2', 'n1').fail(2)
    .build();
}

describe('timeline report', () => {
  it('renders a self-contained page with lanes, fault bands and no external resources', () => {
    const h = history(false);
    const report = checkHistory(h, { initialQuantities: { aapl: 100 }, nodes: [], requireReadBack: false });
    const html = renderTimeline(h, report, { title: 'unit run', seed: 3 });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain('>p0<');
    expect(html).toContain('>p2<');
    expect((html.match(/class="op/g) ?? []).length).toBe(4);
    expect(html).not.toContain('n2<script>');
    expect(html).toContain('n2&lt;script&gt;');
    expect(faultBands(h)).toHaveLength(1);
  });

  it('highlights the operations of a violation and lists the failing window', () => {
    const h = history(true);
    const report = checkHistory(h, { initialQuantities: { aapl: 100 }, nodes: [], requireReadBack: false });
    expect(report.verdict).toBe('invalid');
    const html = renderTimeline(h, report, { title: 'unit run', seed: 3 });
    expect(html).toContain('class="op hi"');
    expect(html).toContain('smallest failing window');
  });

  it('closes open fault bands at a heal line', () => {
    const h = new HistoryBuilder()
      .nemesis('kill', { action: 'start' })
      .nemesis('pause', { action: 'start' })
      .nemesis('heal', { action: 'heal' })
      .build();
    expect(faultBands(h).map((b) => [b.f, b.toNs])).toEqual([['kill', 2_000_000], ['pause', 2_000_000]]);
  });
});
