/**
 * Plays the seeded nemesis schedule against a Nemesis, recording each start/stop as a nemesis
 * history line. A fault that fails to start is recorded with its error and its stop skipped;
 * a failed stop is recorded too (the heal phase undoes everything anyway). A fault whose window
 * has already passed when its start comes up (the nemesis fell behind: slow faults such as clock
 * restarts take longer than their window) is skipped and recorded as skipped, so the nemesis
 * never runs far past the workload.
 */
import type { ScheduledEvent } from './generator.js';
import type { Nemesis } from './interfaces.js';
import type { RunContext } from './run-context.js';

export async function runNemesis(ctx: RunContext, nemesis: Nemesis, schedule: readonly ScheduledEvent[], startMs: number): Promise<void> {
  const failedStarts = new Set<ScheduledEvent['fault']>();
  const stopAtMs = new Map(schedule.filter((ev) => ev.action === 'stop').map((ev) => [ev.fault, ev.atMs]));
  for (const ev of schedule) {
    await ctx.clock.sleep(startMs + ev.atMs - ctx.clock.nowNs() / 1e6);
    if (ev.action === 'stop' && failedStarts.has(ev.fault)) continue;
    const lateMs = ctx.clock.nowNs() / 1e6 - startMs - (stopAtMs.get(ev.fault) ?? Infinity);
    if (ev.action === 'start' && lateMs >= 0) {
      failedStarts.add(ev.fault);
      ctx.recorder.nemesis(ev.fault.kind, { action: 'skipped', lateMs: Math.round(lateMs) });
      continue;
    }
    try {
      const rec = ev.action === 'start' ? await nemesis.invoke(ev.fault) : await nemesis.stop(ev.fault);
      ctx.recorder.nemesis(rec.f, { action: ev.action, ...rec.detail });
      ctx.log(`nemesis ${ev.action} ${rec.f} ${JSON.stringify(rec.detail)}`);
    } catch (err) {
      if (ev.action === 'start') failedStarts.add(ev.fault);
      ctx.recorder.nemesis(ev.fault.kind, { action: 'error', during: ev.action, error: (err as Error).message });
      ctx.log(`nemesis ${ev.action} ${ev.fault.kind} failed: ${(err as Error).message}`);
    }
  }
}
