import type { Message } from '../core/types.js';

/** One recorded simulator event; formatted only when a trace is printed. */
export interface TraceEvent {
  readonly step: number;
  readonly tick: number;
  readonly node: string;
  readonly what: string;
  readonly message: Message | null;
}

/** Bounded ring of the most recent events (the failure report prints them). */
export class SimTrace {
  private readonly events: (TraceEvent | undefined)[];
  private next = 0;
  private count = 0;

  constructor(
    readonly capacityEvents: number,
    private readonly echo: ((line: string) => void) | null = null,
  ) {
    if (!Number.isInteger(capacityEvents) || capacityEvents < 1) {
      throw new Error(`trace capacityEvents must be an integer >= 1, got ${capacityEvents}`);
    }
    this.events = new Array<TraceEvent | undefined>(capacityEvents);
  }

  record(event: TraceEvent): void {
    this.events[this.next] = event;
    this.next = (this.next + 1) % this.capacityEvents;
    this.count = Math.min(this.count + 1, this.capacityEvents);
    if (this.echo !== null) this.echo(formatEvent(event));
  }

  lines(): string[] {
    const out: string[] = [];
    const start = (this.next - this.count + this.capacityEvents) % this.capacityEvents;
    for (let i = 0; i < this.count; i++) {
      const event = this.events[(start + i) % this.capacityEvents];
      if (event !== undefined) out.push(formatEvent(event));
    }
    return out;
  }
}

export function formatEvent(event: TraceEvent): string {
  const head = `#${event.step} t${event.tick} ${event.node.padEnd(3)} ${event.what}`;
  return event.message === null ? head : `${head} ${formatMessage(event.message)}`;
}

export function formatMessage(m: Message): string {
  const base = `${m.type} ${m.from}->${m.to} term=${m.term}`;
  switch (m.type) {
    case 'append':
      return `${base} prev=${m.prevIndex}/${m.prevTerm} entries=[${m.entries.map((e) => `${e.index}/${e.term}`).join(',')}] commit=${m.commit}`;
    case 'append-resp':
      return `${base} reject=${m.reject} index=${m.index} hint=${m.hintIndex}/${m.hintTerm}`;
    case 'vote':
    case 'pre-vote':
      return `${base} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'vote-resp':
    case 'pre-vote-resp':
      return `${base} ${m.reject ? 'reject' : 'grant'}`;
    case 'heartbeat':
      return `${base} commit=${m.commit} round=${m.readRound}`;
    case 'heartbeat-resp':
      return `${base} round=${m.readRound}`;
    case 'snapshot':
      return `${base} snap=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    case 'timeout-now':
      return base;
    case 'read-index':
      return `${base} ctx=${m.context}`;
    case 'read-index-resp':
      return `${base} ctx=${m.context} index=${m.index} reject=${m.reject}`;
  }
}
