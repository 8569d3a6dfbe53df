/**
 * timeline.html: one self-contained page (inline CSS, SVG and a little JS; no network) with
 * the verdicts, each process's operations over time (one lane per process), faults as shaded
 * bands, phase markers, latency over time, and the violation's operations highlighted.
 */
import { PHASE_F, isClientOp, isNemesisOp, type HistoryOp } from '../history.js';
import { pairOperations, type Operation } from '../checkers/operations.js';
import type { CheckReport } from '../checkers/index.js';

/** Operations drawn at most (highlighted ones always are); the page says when it cut. */
export const OPS_DRAWN_MAX = 20_000;
const WIDTH_PX = 1400;
const LANE_PX = 14;
const MARGIN_LEFT_PX = 60;
const LATENCY_HEIGHT_PX = 180;
const NS_PER_MS = 1e6;

const COLORS = { ok: '#3a9d5d', fail: '#c94a4a', info: '#e0a030', band: 'rgba(120,80,200,0.13)', highlight: '#d0021b' } as const;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

interface Band {
  f: string;
  fromNs: number;
  toNs: number;
}

/** Fault windows from nemesis start/stop lines; "heal" (or the end) closes what is open. */
export function faultBands(history: readonly HistoryOp[]): Band[] {
  const open: { f: string; fromNs: number }[] = [];
  const bands: Band[] = [];
  const endNs = history[history.length - 1]?.time ?? 0;
  for (const op of history) {
    if (!isNemesisOp(op) || op.f === PHASE_F) continue;
    const action = op.value['action'];
    if (action === 'start') open.push({ f: op.f, fromNs: op.time });
    else if (action === 'stop') {
      const i = open.findIndex((o) => o.f === op.f);
      if (i >= 0) bands.push({ ...(open.splice(i, 1)[0] as { f: string; fromNs: number }), toNs: op.time });
    } else if (action === 'heal') bands.push(...open.splice(0).map((o) => ({ ...o, toNs: op.time })));
  }
  bands.push(...open.map((o) => ({ ...o, toNs: endNs })));
  return bands;
}

function describeOp(op: Operation): string {
  const res = op.completion ? `${op.completion.type} ${JSON.stringify(op.completion.value)}` : 'no completion';
  return `p${op.process} ${op.f} ${op.key ?? ''} ${JSON.stringify(op.invoke.value)} -> ${res}${op.node ? ` @${op.node}` : ''} [lines ${op.invoke.index + 1}${op.completion ? `..${op.completion.index + 1}` : ''}]`;
}

function chooseOps(ops: readonly Operation[], highlight: ReadonlySet<number>): Operation[] {
  if (ops.length <= OPS_DRAWN_MAX) return [...ops];
  const marked = ops.filter((op) => highlight.has(op.invoke.index));
  const rest = ops.filter((op) => !highlight.has(op.invoke.index)).slice(0, OPS_DRAWN_MAX - marked.length);
  return [...marked, ...rest];
}

function opsSvg(ops: readonly Operation[], bands: readonly Band[], phases: readonly HistoryOp[], endNs: number, highlight: ReadonlySet<number>): string {
  const processes = [...new Set(ops.map((o) => o.process))].sort((a, b) => a - b);
  const laneOf = new Map(processes.map((p, i) => [p, i]));
  const height = Math.max(1, processes.length) * LANE_PX + 20;
  const x = (ns: number): number => MARGIN_LEFT_PX + (ns / Math.max(1, endNs)) * (WIDTH_PX - MARGIN_LEFT_PX - 10);
  const parts: string[] = [];
  for (const b of bands) {
    parts.push(`<rect x="${x(b.fromNs).toFixed(1)}" y="0" width="${Math.max(1, x(b.toNs) - x(b.fromNs)).toFixed(1)}" height="${height}" fill="${COLORS.band}"><title>${escapeHtml(`${b.f} ${(b.fromNs / NS_PER_MS).toFixed(0)}..${(b.toNs / NS_PER_MS).toFixed(0)} ms`)}</title></rect>`);
  }
  for (const p of phases) {
    const label = isNemesisOp(p) ? String(p.value['phase']) : '';
    parts.push(`<line x1="${x(p.time).toFixed(1)}" x2="${x(p.time).toFixed(1)}" y1="0" y2="${height}" stroke="#555" stroke-dasharray="4 3"/><text x="${(x(p.time) + 3).toFixed(1)}" y="${height - 4}" class="lbl">${escapeHtml(label)}</text>`);
  }
  processes.forEach((p, i) => parts.push(`<text x="4" y="${i * LANE_PX + 11}" class="lbl">p${p}</text>`));
  for (const op of ops) {
    const y = (laneOf.get(op.process) as number) * LANE_PX + 2;
    const type = op.completion?.type ?? 'info';
    const toNs = op.completion && type !== 'info' ? op.completion.time : (op.completion?.time ?? endNs);
    const hi = highlight.has(op.invoke.index);
    const color = COLORS[type as keyof typeof COLORS] ?? COLORS.info;
    const stroke = hi ? ` stroke="${COLORS.highlight}" stroke-width="2.5"` : '';
    parts.push(`<rect class="op${hi ? ' hi' : ''}" x="${x(op.invoke.time).toFixed(1)}" y="${y}" width="${Math.max(1.5, x(toNs) - x(op.invoke.time)).toFixed(1)}" height="${LANE_PX - 4}" fill="${color}"${stroke} data-d="${escapeHtml(describeOp(op))}"><title>${escapeHtml(describeOp(op))}</title></rect>`);
  }
  return `<svg id="ops" width="${WIDTH_PX}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function latencySvg(ops: readonly Operation[], bands: readonly Band[], endNs: number): string {
  const done = ops.filter((o) => o.completion !== null);
  const latMs = done.map((o) => ((o.completion as { time: number }).time - o.invoke.time) / NS_PER_MS);
  const maxMs = Math.max(1, ...latMs);
  const x = (ns: number): number => MARGIN_LEFT_PX + (ns / Math.max(1, endNs)) * (WIDTH_PX - MARGIN_LEFT_PX - 10);
  const y = (ms: number): number => LATENCY_HEIGHT_PX - 15 - (ms / maxMs) * (LATENCY_HEIGHT_PX - 25);
  const parts = bands.map((b) => `<rect x="${x(b.fromNs).toFixed(1)}" y="0" width="${Math.max(1, x(b.toNs) - x(b.fromNs)).toFixed(1)}" height="${LATENCY_HEIGHT_PX}" fill="${COLORS.band}"/>`);
  parts.push(`<text x="4" y="12" class="lbl">${maxMs.toFixed(0)} ms</text><text x="4" y="${LATENCY_HEIGHT_PX - 16}" class="lbl">0</text>`);
  done.forEach((o, i) => {
    const color = COLORS[(o.completion as { type: string }).type as keyof typeof COLORS] ?? COLORS.info;
    parts.push(`<circle cx="${x((o.completion as { time: number }).time).toFixed(1)}" cy="${y(latMs[i] as number).toFixed(1)}" r="1.6" fill="${color}"/>`);
  });
  return `<svg width="${WIDTH_PX}" height="${LATENCY_HEIGHT_PX}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function verdictTable(report: CheckReport): string {
  const rows = report.checkers.map((c) => `<tr class="${c.verdict}"><td>${escapeHtml(c.checker)}</td><td>${c.verdict}</td><td>${escapeHtml(c.summary)}</td></tr>`);
  return `<table><tr><th>checker</th><th>verdict</th><th>summary</th></tr>${rows.join('')}</table>`;
}

function violationDetails(report: CheckReport): string {
  const lin = report.checkers.find((c) => c.checker === 'linearizable');
  const keys = (lin?.details['keys'] ?? []) as { key: string; window?: { startQuantity: string; size: number; ops: { label: string; lines: number[] }[] } }[];
  const windows = keys.filter((k) => k.window).map((k) => {
    const w = k.window as NonNullable<(typeof k)['window']>;
    const items = w.ops.map((o) => `<li>${escapeHtml(o.label)} (lines ${o.lines.map((l) => l + 1).join(', ')})</li>`).join('');
    return `<h3>${escapeHtml(k.key)}: smallest failing window (${w.size} ops, starting quantity ${escapeHtml(w.startQuantity)})</h3><ol>${items}</ol>`;
  });
  return windows.join('');
}

export interface TimelineMeta {
  title: string;
  seed: number;
}

export function renderTimeline(history: readonly HistoryOp[], report: CheckReport, meta: TimelineMeta): string {
  const highlight = new Set(report.checkers.flatMap((c) => c.highlight));
  const all = pairOperations(history);
  const ops = chooseOps(all, highlight);
  const endNs = Math.max(1, history[history.length - 1]?.time ?? 1);
  const bands = faultBands(history);
  const phases = history.filter((op) => isNemesisOp(op) && op.f === PHASE_F);
  const clientLines = history.filter(isClientOp).length;
  const cut = ops.length < all.length ? `<p class="warn">Showing ${ops.length} of ${all.length} operations (highlighted ones always).</p>` : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(meta.title)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px} h2{font-size:15px;margin-top:22px} h3{font-size:13px}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
tr.invalid td{background:#fbe3e3} tr.unknown td{background:#fff4d6} tr.valid td{background:#e6f4ea}
.lbl{font:10px monospace;fill:#444} .warn{color:#a60}
.scroll{overflow-x:auto;border:1px solid #ddd} #detail{font:12px monospace;white-space:pre-wrap;min-height:1.5em;background:#f6f6f6;padding:6px}
rect.op{cursor:pointer} rect.hi{filter:drop-shadow(0 0 2px #d0021b)}
.legend span{display:inline-block;width:12px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
</style></head><body>
<h1>${escapeHtml(meta.title)}: <span class="${report.verdict}">${report.verdict}</span></h1>
<p>seed ${meta.seed}; ${clientLines} client lines; ${bands.length} fault windows; duration ${(endNs / NS_PER_MS).toFixed(0)} ms</p>
${verdictTable(report)}
${violationDetails(report)}
<h2>Operations by process</h2>
<p class="legend"><span style="background:${COLORS.ok}"></span>ok<span style="background:${COLORS.fail}"></span>fail<span style="background:${COLORS.info}"></span>info (open-ended)<span style="background:${COLORS.band}"></span>fault<span style="border:2px solid ${COLORS.highlight}"></span>violation</p>
${cut}
<div id="detail">click an operation for details</div>
<div class="scroll">${opsSvg(ops, bands, phases, endNs, highlight)}</div>
<h2>Latency over time</h2>
<div class="scroll">${latencySvg(ops, bands, endNs)}</div>
<script>
document.getElementById('ops').addEventListener('click', function (e) {
  var d = e.target && e.target.getAttribute && e.target.getAttribute('data-d');
  if (d) document.getElementById('detail').textContent = d;
});
</script>
</body></html>
`;
}
