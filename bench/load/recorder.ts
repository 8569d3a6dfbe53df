import { LatencyHistogram } from './histogram.js';
import type { RequestCounts, TagResult, TimelineEntry } from './types.js';

/** Error code used when the open loop drops a request at its outstanding cap. */
export const OUTSTANDING_CAP_CODE = 'outstanding-cap';

class TagRecorder {
  readonly counts: RequestCounts = { sent: 0, completed: 0, ok: 0, non2xx: 0, errors: 0, byStatus: {} };
  readonly histogram = new LatencyHistogram();
}

/** Collects counts and latencies of one group, per tag and in total. */
export class GroupRecorder {
  private readonly tags = new Map<string, TagRecorder>();
  private readonly total = new TagRecorder();

  constructor(private readonly timeline: TimelineSink) {}

  sent(tag: string): void {
    this.tag(tag).counts.sent++;
    this.total.counts.sent++;
  }

  /** An HTTP response arrived; latency in ms measured by the caller's rule (closed/open loop). */
  completed(tag: string, status: number, latencyMs: number, origin: number, sentAtMs: number, doneAtMs: number): void {
    const ok = status >= 200 && status < 300;
    for (const rec of [this.tag(tag), this.total]) {
      rec.counts.completed++;
      rec.histogram.recordMs(latencyMs);
      if (ok) rec.counts.ok++;
      else {
        rec.counts.non2xx++;
        bump(rec.counts.byStatus, String(status));
      }
    }
    if (ok) this.timeline.add({ tag, origin, sentAtMs, doneAtMs });
  }

  failed(tag: string, code: string): void {
    for (const rec of [this.tag(tag), this.total]) {
      rec.counts.errors++;
      bump(rec.counts.byStatus, code);
    }
  }

  totalResult(): TagResult {
    return resultOf(this.total);
  }

  byTag(): Record<string, TagResult> {
    const out: Record<string, TagResult> = {};
    for (const [tag, rec] of this.tags) out[tag] = resultOf(rec);
    return out;
  }

  /** Requests sent but neither completed nor failed yet. */
  get inFlight(): number {
    const c = this.total.counts;
    return c.sent - c.completed - c.errors;
  }

  private tag(tag: string): TagRecorder {
    let rec = this.tags.get(tag);
    if (rec === undefined) {
      rec = new TagRecorder();
      this.tags.set(tag, rec);
    }
    return rec;
  }
}

/** Bounded store of 2xx response times (for failover analysis). */
export class TimelineSink {
  readonly entries: TimelineEntry[] = [];
  dropped = 0;

  constructor(private readonly entriesMax: number) {}

  add(entry: TimelineEntry): void {
    if (this.entries.length < this.entriesMax) this.entries.push(entry);
    else this.dropped++;
  }
}

function resultOf(rec: TagRecorder): TagResult {
  const c = rec.counts;
  return { ...c, byStatus: { ...c.byStatus }, latency: rec.histogram.summary() };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
