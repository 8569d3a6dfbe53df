/**
 * The soak's node sampler: scrapes every node's GET /metrics every SOAK_SAMPLE_INTERVAL_MS and
 * keeps what the per-minute table needs (term, event-loop delay, RSS). Pure parsing and
 * aggregation live here; soak.ts runs the load.
 */

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
}

/** A node's figures over [fromMs, toMs): worst event-loop window, last term and RSS. */
export function minuteFigures(samples: readonly NodeSample[], fromMs: number, toMs: number): MinuteNodeFigures {
  const inside = samples.filter((s) => s.atMs >= fromMs && s.atMs < toMs);
  const last = inside.at(-1);
  const worst = (pick: (s: NodeSample) => number | null): number | null => {
    const values = inside.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.round(Math.max(...values) * 1e4) / 10;
  };
  return {
    term: last?.term ?? null,
    leader: last?.isLeader ?? false,
    loopDelayP99Ms: worst((s) => s.loopDelayP99S),
    loopDelayMaxMs: worst((s) => s.loopDelayMaxS),
    rssMiB: last?.rssBytes === null || last?.rssBytes === undefined ? null : Math.round(last.rssBytes / 2 ** 20),
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
