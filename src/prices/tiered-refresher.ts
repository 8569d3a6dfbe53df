/**
 * Tiered refresher: while this node is the Raft leader, refreshes every symbol at its tier's
 * interval, each tier's batches spread over the interval (see tier-schedule.ts).
 *
 * Leadership is injected by the node through {@link PriceLeadership}:
 *   - `start(term)` when the node becomes leader of `term` (also on a new term while leading):
 *     the hot tier's first batch fires at once, so after a failover the new leader refreshes
 *     within one hot interval;
 *   - `stop()` when it steps down (idempotent). In-flight batches finish fetching but are
 *     discarded, and history writes from an old term are refused by the DynamoDB term fence.
 * If the fence refuses a write (another node already leads a newer term) the pipeline drops
 * its term and calls its `onFenced(term)` option; the refresher notices and stops itself.
 */
import type { TierName } from '../catalog/symbols.js';
import { PriceError } from './price-errors.js';
import type { PriceMetrics } from './price-metrics.js';
import type { PricePipeline } from './price-pipeline.js';
import type { AggregatedPrice } from './price-types.js';
import { planTier, TierSchedule, type DueSlot } from './tier-schedule.js';
import { symbolsByTier, TIER_NAMES, type TierConfig } from './tiers.js';

/** What the node calls on leadership changes. */
export interface PriceLeadership {
  start(term: number): void;
  stop(): void;
}

export interface TieredRefresherOptions {
  pipeline: PricePipeline;
  /** All symbols in symbols.csv order (tiers by position). */
  symbols: readonly string[];
  tiers: TierConfig;
  /** Symbols per exchange request. */
  batchSymbolsMax: number;
  /** Spread each tier's batches at least this far apart when it has enough symbols. */
  slotSpacingMinMs: number;
  /** Batches running at once; a due batch beyond it is skipped (and shows as lag next time). */
  batchesInFlightMax: number;
  metrics: PriceMetrics;
  logger: { warn(message: string): void; info(message: string): void };
  nowMs?: () => number;
}

/** Longest sleep between scheduler wake-ups, ms (bounds the reaction to a changed clock). */
const WAKE_MS_MAX = 1_000;

export class TieredRefresher implements PriceLeadership {
  private term: number | null = null;
  private schedules = new Map<TierName, TierSchedule>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly nowMs: () => number;

  constructor(private readonly options: TieredRefresherOptions) {
    if (!Number.isInteger(options.batchesInFlightMax) || options.batchesInFlightMax < 1) {
      throw new Error(`batchesInFlightMax must be a positive integer, got ${options.batchesInFlightMax}`);
    }
    this.nowMs = options.nowMs ?? Date.now;
  }

  start(term: number): void {
    if (this.term === term && this.timer !== null) return;
    this.stop();
    this.options.pipeline.setTerm(term);
    this.term = term;
    const startMs = this.nowMs();
    const byTier = symbolsByTier(this.options.symbols);
    for (const tier of TIER_NAMES) {
      const intervalMs = this.options.tiers[tier].intervalMs;
      const slots = planTier(byTier[tier], {
        intervalMs,
        batchSymbolsMax: this.options.batchSymbolsMax,
        slotSpacingMinMs: this.options.slotSpacingMinMs,
      });
      this.schedules.set(tier, new TierSchedule(slots, intervalMs, startMs));
    }
    this.options.logger.info(`price refresher started for term ${term}`);
    this.wake();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.schedules.clear();
    if (this.term !== null) this.options.logger.info(`price refresher stopped (term ${this.term})`);
    this.term = null;
    this.options.pipeline.setTerm(null);
  }

  running(): boolean {
    return this.term !== null;
  }

  /** The price the leader knows now (memory), for the trade path. */
  latestPrice(symbol: string): AggregatedPrice | null {
    return this.options.pipeline.latestPrice(symbol);
  }

  private wake(): void {
    this.timer = null;
    if (this.term === null) return;
    if (this.options.pipeline.currentTerm() !== this.term) {
      this.options.logger.warn(`price refresher deposed (term ${this.term}): stopping`);
      this.stop();
      return;
    }
    const nowMs = this.nowMs();
    let nextMs = nowMs + WAKE_MS_MAX;
    for (const [tier, schedule] of this.schedules) {
      for (const due of schedule.takeDue(nowMs)) this.launch(tier, due, nowMs);
      const next = schedule.nextDueMs();
      if (next !== null) nextMs = Math.min(nextMs, next);
    }
    this.timer = setTimeout(() => this.wake(), Math.max(1, nextMs - this.nowMs()));
  }

  private launch(tier: TierName, due: DueSlot, nowMs: number): void {
    this.options.metrics.refreshLag.observe({ tier }, Math.max(0, nowMs - due.dueMs) / 1000);
    if (this.inFlight >= this.options.batchesInFlightMax) {
      this.options.metrics.refreshes.inc({ tier, outcome: 'skipped' }, due.slot.symbols.length);
      return;
    }
    this.inFlight++;
    this.options.pipeline
      .refreshSymbols(due.slot.symbols)
      .catch((err: unknown) => {
        const count = due.slot.symbols.length;
        if (err instanceof PriceError && err.httpStatus === 503) {
          // Not leader / fenced (wake() stops us) or overloaded: counted, retried next interval.
          this.options.metrics.refreshes.inc({ tier, outcome: 'refused' }, count);
          return;
        }
        this.options.metrics.refreshes.inc({ tier, outcome: 'failed' }, count);
        this.options.logger.warn(`${tier} refresh of ${count} symbols failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.inFlight--;
      });
  }
}
