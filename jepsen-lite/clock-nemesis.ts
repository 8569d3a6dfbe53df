/**
 * The `clock` fault: probes the lease assumption (clock rates of the members differ by less than
 * 20%; raft/driver/lease-clock.ts). It restarts a random member with its clocks (Date.now,
 * performance.now, process.hrtime and its timers alike) at `rate` x real time under faketime,
 * hands it the leadership, lets it confirm a lease (a heartbeat round), then isolates it from
 * every other member, so the others elect a new leader and take writes while the old one may
 * still believe its lease (the isolation lasts at least CLOCK_ISOLATION_MIN_MS; the history's
 * start line comes at its end). A slow clock (rate < 1) stretches that lease in real time by 1/rate:
 * inside the assumption (0.9x) the lease's 20% margin covers it; far outside (0.25x) the old
 * leader answers lease reads from its stale state after the new leader has taken writes, which
 * the linearizability checker should catch in lease mode and never in read-index mode. When the
 * fault ends, the links heal and the node restarts at the real rate (both a SIGKILL restart).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterControl } from '../cluster/control.js';
import { createRng } from '../common/rng.js';
import type { FaultRecord } from './interfaces.js';
import type { MemberDirectory } from './member-directory.js';

/** After the transfer: time for the skewed leader's heartbeat rounds (slowed by its rate) to confirm a lease. */
const LEASE_CONFIRM_MS = 1_000;
/**
 * The isolation lasts at least this long whatever the schedule says: the restart under faketime
 * takes seconds, so the scheduled stop is often already due when the start returns. Long enough
 * for the others to elect a leader and take writes while a lease stretched 4x may still hold.
 */
export const CLOCK_ISOLATION_MIN_MS = 5_000;

export class ClockFault {
  /** Nodes running at another rate right now (heal restarts them at the real rate). */
  private readonly skewed = new Set<string>();

  constructor(
    private readonly control: ClusterControl,
    private readonly directory: MemberDirectory,
  ) {}

  async start(rate: number, seed: number): Promise<FaultRecord> {
    const members = [...this.directory.members()];
    const node = createRng(seed).pick(members);
    this.skewed.add(node);
    await this.control.setClockRate(node, rate);
    const detail: Record<string, unknown> = { node, rate };
    try {
      await this.control.transfer(node);
      detail['leader'] = true;
    } catch (err) {
      detail['leader'] = false;
      detail['transferError'] = (err as Error).message;
    }
    await sleep(LEASE_CONFIRM_MS);
    for (const other of members.filter((m) => m !== node)) {
      await this.control.cutOneWay(node, other);
      await this.control.cutOneWay(other, node);
    }
    detail['isolated'] = true;
    await sleep(CLOCK_ISOLATION_MIN_MS);
    return { f: 'clock', detail };
  }

  /** Links back, then every skewed node restarted at the real rate. */
  async stop(): Promise<FaultRecord> {
    await this.control.healLinks();
    const nodes = [...this.skewed];
    for (const node of nodes) {
      await this.control.setClockRate(node, 1);
      this.skewed.delete(node);
    }
    return { f: 'clock', detail: { restored: nodes } };
  }

  /** For the heal phase: whether any node still runs at another rate. */
  pending(): boolean {
    return this.skewed.size > 0;
  }
}
