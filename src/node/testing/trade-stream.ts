import type { Rng } from '../../../common/rng.js';
import { neverSent, postTrade, type TradeBody } from './bazaar-http.js';
import type { TradeLedger } from './trade-ledger.js';

/**
 * Closed-loop trade clients for fault tests: each client sends one trade at a time to a node
 * chosen from `targets()` until `stop()` is called or `tradesMax` is reached, and records every
 * outcome in the ledger (a refused connection is "never sent", not indeterminate).
 */
export interface TradeStreamOptions {
  readonly clients: number;
  readonly names: readonly string[];
  readonly rng: Rng;
  /** Base URLs to send to, asked again before every trade. */
  readonly targets: () => readonly string[];
  readonly ledger: TradeLedger;
  readonly requestTimeoutMs: number;
  /** Bound on trades per client (the stream also stops on stop()). */
  readonly tradesMax: number;
  readonly quantityMax: number;
}

export interface TradeEvent {
  readonly client: number;
  readonly target: string;
  readonly startMs: number;
  readonly endMs: number;
  /** HTTP status, 0 = no answer, -1 = connection refused (never sent). */
  readonly status: number;
  /** Error message of a non-200 answer (or of the failed request). */
  readonly detail: string | null;
}

export class TradeStream {
  readonly events: TradeEvent[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly o: TradeStreamOptions) {
    if (o.clients < 1 || o.tradesMax < 1 || o.quantityMax < 1 || o.names.length === 0) throw new Error('trade stream: clients, tradesMax, quantityMax and names must be positive');
    this.done = Promise.all(Array.from({ length: o.clients }, (_, i) => this.client(i, o.rng.fork()))).then(() => undefined);
  }

  /** Stop sending and wait for the in-flight trades to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  acksAfter(ms: number): number {
    return this.events.filter((e) => e.status === 200 && e.endMs > ms).length;
  }

  /** First ack that completed after `ms` (null: none). */
  firstAckAfter(ms: number): TradeEvent | null {
    return this.events.filter((e) => e.status === 200 && e.startMs >= ms).sort((a, b) => a.endMs - b.endMs)[0] ?? null;
  }

  /** Longest interval in [fromMs, toMs] during which no trade was acknowledged. */
  longestAckGapMs(fromMs: number, toMs: number): number {
    const ends = this.events.filter((e) => e.status === 200 && e.endMs >= fromMs && e.endMs <= toMs).map((e) => e.endMs).sort((a, b) => a - b);
    let prev = fromMs;
    let gap = 0;
    for (const t of [...ends, toMs]) {
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    return gap;
  }

  /** Distinct details of answers with `status`, with counts (for the test's printout). */
  detailsOf(status: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.events) if (e.status === status) out[e.detail ?? ''] = (out[e.detail ?? ''] ?? 0) + 1;
    return out;
  }

  /**
   * Longest time some client was answered only 503s: from the start of a 503 streak of one
   * client to the end of that client's next non-503 answer (or `endMs` if none came).
   */
  longest503StreakMs(endMs: number): number {
    let longest = 0;
    const clients = new Set(this.events.map((e) => e.client));
    for (const client of clients) {
      let streakStart: number | null = null;
      for (const e of this.events.filter((x) => x.client === client)) {
        if (e.status === 503) streakStart ??= e.startMs;
        else if (streakStart !== null) {
          longest = Math.max(longest, e.endMs - streakStart);
          streakStart = null;
        }
      }
      if (streakStart !== null) longest = Math.max(longest, endMs - streakStart);
    }
    return longest;
  }

  private async client(client: number, rng: Rng): Promise<void> {
    for (let i = 0; i < this.o.tradesMax && !this.stopped; i++) {
      const targets = this.o.targets();
      if (targets.length === 0) throw new Error('trade stream: no targets');
      const target = rng.pick(targets);
      const trade: TradeBody = { name: rng.pick(this.o.names), type: rng.chance(0.5) ? 'BUY' : 'SELL', quantity: rng.int(1, this.o.quantityMax + 1) };
      const startMs = Date.now();
      const res = await postTrade(target, trade, { timeoutMs: this.o.requestTimeoutMs });
      const endMs = Date.now();
      if (neverSent(res)) {
        this.events.push({ client, target, startMs, endMs, status: -1, detail: res.error });
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const detail = res.status === 200 ? null : (res.error ?? JSON.stringify(res.body));
      this.events.push({ client, target, startMs, endMs, status: res.status, detail });
      this.o.ledger.record(trade, res.status, res.body?.data?.transaction_number ?? null);
      if (res.status === 503) await new Promise((r) => setTimeout(r, 20));
    }
  }
}
