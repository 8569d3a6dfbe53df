/**
 * The soak's node sampler: scrapes every node's GET /metrics every SOAK_SAMPLE_INTERVAL_MS and
 * keeps what the per-minute table needs (term, event-loop delay, RSS, CPU and GC time). Pure parsing and
 * aggregation live here; soak.ts runs the load.
 */

import { EVENT_LOOP_DELAY_WINDOW_MS } from '../../src/node/event-loop-delay.js';

/**
 * A scrape reports the node's last completed event-loop window (EVENT_LOOP_DELAY_WINDOW_MS), which
 * may have begun up to two windows before the scrape. Loop-delay figures count only scrapes at
 * least this long after the load began, so a window from before the load (a node's start-up:
 * module loading, cache warm-up; up to 1.7 s on this machine) is not reported as a stall under load.
 */
export const LOOP_WINDOW_LAG_MS = 2 * EVENT_LOOP_DELAY_WINDOW_MS;

/** Scrape period; below the nodes' event-loop window (10 s), so no window is missed. */
export const SOAK_SAMPLE_INTERVAL_MS = 5000;
export const SOAK_SCRAPE_TIMEOUT_MS = 2000;
/** Samples kept per node (a 30-minute soak at 5 s is 360). */
export const SOAK_SAMPLES_MAX = 2000;

export interface NodeSample {
  readonly atMs: number;
  readonly term: number | null;
  readonly isLeader: boolean;
  readonly loopDelayP99S: number | null;
  readonly loopDelayMaxS: number | null;
  readonly rssBytes: number | null;
  /** process_cpu_seconds_total: the node's CPU time since start (all threads). */
  readonly cpuSeconds: number | null;
  /** Sum of nodejs_gc_duration_seconds_sum over GC kinds: wall time in GC pauses since start. */
  readonly gcSeconds: number | null;
}

/** Sum of every series of `name` (e.g. a histogram's `_sum` over its label sets). */
export function metricSum(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** Value of the first series of `name` whose labels contain `labels` (e.g. 'stat="p99"'). */
export function metricValue(text: string, name: string, labels = ''): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels !== '' && !rest.includes(labels)) continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    return Number.isFinite(value) ? value : null;
  }
  return null;
}

export function parseSample(atMs: number, text: string): NodeSample {
  return {
    atMs,
    term: metricValue(text, 'bazaar_raft_term'),
    isLeader: metricValue(text, 'bazaar_raft_is_leader') === 1,
    loopDelayP99S: metricValue(text, 'bazaar_event_loop_delay_seconds', 'stat="p99"'),
    loopDelayMaxS: metricValue(text, 'bazaar_event_loop_delay_seconds', 'stat="max"'),
    rssBytes: metricValue(text, 'process_resident_memory_bytes'),
    cpuSeconds: metricValue(text, 'process_cpu_seconds_total'),
    gcSeconds: metricSum(text, 'nodejs_gc_duration_seconds_sum'),
  };
}

export class NodeSampler {
  readonly samples = new Map<string, NodeSample[]>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly urls: readonly string[],
    private readonly intervalMs = SOAK_SAMPLE_INTERVAL_MS,
  ) {
    for (const url of urls) this.samples.set(url, []);
  }

  start(): void {
    const tick = (): void => {
      this.inFlight ??= this.sampleAll().finally(() => {
        this.inFlight = null;
      });
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.inFlight;
    await this.sampleAll();
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(this.urls.map(async (url) => {
      try {
        const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(SOAK_SCRAPE_TIMEOUT_MS) });
        const list = this.samples.get(url) as NodeSample[];
        if (list.length < SOAK_SAMPLES_MAX) list.push(parseSample(Date.now(), await res.text()));
      } catch {
        // A missed scrape shows as a gap (a node too slow to answer in 2 s is itself a finding).
      }
    }));
  }
}

export interface MinuteNodeFigures {
  readonly term: number | null;
  readonly leader: boolean;
  readonly loopDelayP99Ms: number | null;
  readonly loopDelayMaxMs: number | null;
  readonly rssMiB: number | null;
  /** CPU time over the window as % of one core (first to last sample inside it). */
  readonly cpuPct: number | null;
  /** Wall time in GC pauses over the window as % of the window. */
  readonly gcPct: number | null;
}

/** d(counter)/d(wall time) in % between the first and last sample that carry the counter. */
function ratePct(samples: readonly NodeSample[], pick: (s: NodeSample) => number | null): number | null {
  const withValue = samples.filter((s) => pick(s) !== null);
  const a = withValue[0];
  const b = withValue.at(-1);
  if (a === undefined || b === undefined || b.atMs <= a.atMs) return null;
  const delta = (pick(b) as number) - (pick(a) as number);
  return Math.round((delta / ((b.atMs - a.atMs) / 1000)) * 1000) / 10;
}

/**
 * A node's figures over [fromMs, toMs): worst event-loop window (from scrapes at or after
 * loopFromMs only: see LOOP_WINDOW_LAG_MS), last term and RSS, CPU and GC rates.
 */
export function minuteFigures(samples: readonly NodeSample[], fromMs: number, toMs: number, loopFromMs = fromMs): MinuteNodeFigures {
  const inside = samples.filter((s) => s.atMs >= fromMs && s.atMs < toMs);
  const loopInside = inside.filter((s) => s.atMs >= loopFromMs);
  const last = inside.at(-1);
  const worst = (pick: (s: NodeSample) => number | null): number | null => {
    const values = loopInside.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.round(Math.max(...values) * 1e4) / 10;
  };
  return {
    term: last?.term ?? null,
    leader: last?.isLeader ?? false,
    loopDelayP99Ms: worst((s) => s.loopDelayP99S),
    loopDelayMaxMs: worst((s) => s.loopDelayMaxS),
    rssMiB: last?.rssBytes === null || last?.rssBytes === undefined ? null : Math.round(last.rssBytes / 2 ** 20),
    cpuPct: ratePct(inside, (s) => s.cpuSeconds),
    gcPct: ratePct(inside, (s) => s.gcSeconds),
  };
}

/** Acknowledged requests per whole second of [startMs, endMs), from their completion times. */
export function perSecondCounts(doneAtMs: readonly number[], startMs: number, endMs: number): number[] {
  const seconds = Math.floor((endMs - startMs) / 1000);
  const counts = new Array<number>(Math.max(0, seconds)).fill(0);
  for (const t of doneAtMs) {
    const i = Math.floor((t - startMs) / 1000);
    if (i >= 0 && i < counts.length) counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}
