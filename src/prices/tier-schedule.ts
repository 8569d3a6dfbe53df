/**
 * Pure tier scheduling. A tier's symbols are cut into slots (one batch request per exchange
 * each); slot i fires at offset i x interval / slots within every interval, so a tier's
 * requests are spread evenly and cold symbols never all fire at once. Time is passed in
 * (no clock here): deterministic under a fake clock.
 */

export interface ScheduleOptions {
  intervalMs: number;
  /** Symbols per exchange request (the exchanges accept at most 500). */
  batchSymbolsMax: number;
  /** Aim for slots at least this far apart; fewer, larger slots when the tier is small. */
  slotSpacingMinMs: number;
}

export interface Slot {
  index: number;
  offsetMs: number;
  symbols: readonly string[];
}

export interface DueSlot {
  slot: Slot;
  /** When it should have fired, ms. */
  dueMs: number;
}

export function validateScheduleOptions(options: ScheduleOptions): ScheduleOptions {
  if (!Number.isInteger(options.intervalMs) || options.intervalMs <= 0) {
    throw new Error(`intervalMs must be a positive integer, got ${options.intervalMs}`);
  }
  if (!Number.isInteger(options.batchSymbolsMax) || options.batchSymbolsMax < 1 || options.batchSymbolsMax > 500) {
    throw new Error(`batchSymbolsMax must be an integer 1..500, got ${options.batchSymbolsMax}`);
  }
  if (!Number.isInteger(options.slotSpacingMinMs) || options.slotSpacingMinMs < 1) {
    throw new Error(`slotSpacingMinMs must be a positive integer, got ${options.slotSpacingMinMs}`);
  }
  return options;
}

/** Cut symbols into evenly sized slots spread over the interval. */
export function planTier(symbols: readonly string[], options: ScheduleOptions): Slot[] {
  validateScheduleOptions(options);
  if (symbols.length === 0) return [];
  const bySize = Math.ceil(symbols.length / options.batchSymbolsMax);
  const bySpacing = Math.max(1, Math.floor(options.intervalMs / options.slotSpacingMinMs));
  const slotCount = Math.min(symbols.length, Math.max(bySize, bySpacing));
  const slots: Slot[] = [];
  for (let i = 0; i < slotCount; i++) {
    const from = Math.floor((i * symbols.length) / slotCount);
    const to = Math.floor(((i + 1) * symbols.length) / slotCount);
    slots.push({ index: i, offsetMs: Math.floor((i * options.intervalMs) / slotCount), symbols: symbols.slice(from, to) });
  }
  return slots;
}

/**
 * Cursor over the slots of one tier from a start time. `takeDue(now)` returns the slots due
 * by `now` in order, at most one full cycle: when more than one interval behind, missed
 * cycles are skipped (their lateness shows as refresh lag) instead of firing a backlog.
 */
export class TierSchedule {
  private cycle = 0;
  private slotIndex = 0;

  constructor(
    private readonly slots: readonly Slot[],
    private readonly intervalMs: number,
    private readonly startMs: number,
  ) {
    if (!(intervalMs > 0)) throw new Error(`intervalMs must be > 0, got ${intervalMs}`);
  }

  /** Due time of the next slot, or null when the tier has no symbols. */
  nextDueMs(): number | null {
    const slot = this.slots[this.slotIndex];
    if (slot === undefined) return null;
    return this.startMs + this.cycle * this.intervalMs + slot.offsetMs;
  }

  takeDue(nowMs: number): DueSlot[] {
    const due: DueSlot[] = [];
    let next = this.nextDueMs();
    if (next === null) return due;
    if (nowMs - next > this.intervalMs) {
      this.cycle += Math.floor((nowMs - next) / this.intervalMs);
      next = this.nextDueMs() as number;
    }
    while (next !== null && next <= nowMs && due.length < this.slots.length) {
      due.push({ slot: this.slots[this.slotIndex] as Slot, dueMs: next });
      this.advance();
      next = this.nextDueMs();
    }
    return due;
  }

  private advance(): void {
    this.slotIndex++;
    if (this.slotIndex === this.slots.length) {
      this.slotIndex = 0;
      this.cycle++;
    }
  }
}
