/**
 * Nemesis on the cluster module: partitions through the fault proxies (Toxiproxy API), kill
 * and pause of nodes through the launcher, Redis kill/restart, exchange fault knobs. Targets
 * ('leader' or random) are resolved when the fault starts, from the fault's own seed.
 */
import { ClusterControl } from '../cluster/control.js';
import { createRng } from '../common/rng.js';
import { NO_FAULTS } from '../src/exchange/faults.js';
import type { Fault } from './generator.js';
import type { FaultRecord, Nemesis } from './interfaces.js';
import { ClockFault } from './clock-nemesis.js';
import type { MemberDirectory } from './member-directory.js';
import { MembershipFault } from './membership-nemesis.js';
import { planPartition } from './partition-plans.js';

const EXCHANGE_FAULTS = {
  down: { down: true },
  latency: { latencyMs: 2_000, jitterMs: 500 },
  errors: { errorRate: 0.5 },
  stale: { frozen: true },
} as const;

export class ClusterNemesis implements Nemesis {
  /** Which node or exchange each running fault hit, so stop() undoes exactly that. */
  private readonly targets = new Map<Fault, string | number>();
  /** Redis was killed by a fault and not restarted yet. */
  private redisDown = false;

  private readonly membership: MembershipFault;
  private readonly clock: ClockFault;

  /** `directory`: the clients' member list, which the membership fault keeps current. */
  constructor(
    private readonly control: ClusterControl,
    private readonly directory: MemberDirectory,
  ) {
    this.membership = new MembershipFault(control.dataDir(), directory);
    this.clock = new ClockFault(control, directory);
  }

  private async target(fault: { target: 'leader' | 'random'; seed: number }): Promise<string> {
    const nodes = [...this.directory.members()];
    const rng = createRng(fault.seed);
    if (fault.target === 'leader') {
      const leader = await this.control.leader().catch(() => null);
      if (leader !== null) return leader;
    }
    return rng.pick(nodes);
  }

  async invoke(fault: Fault): Promise<FaultRecord> {
    switch (fault.kind) {
      case 'partition': {
        const leader = await this.control.leader().catch(() => null);
        const plan = planPartition(fault.shape, [...this.directory.members()], leader, createRng(fault.seed));
        await this.control.healLinks();
        for (const link of plan.cut) await this.control.cutOneWay(link.from, link.to);
        return { f: 'partition', detail: { shape: plan.shape, plan: plan.description } };
      }
      case 'kill':
      case 'pause': {
        const node = await this.target(fault);
        this.targets.set(fault, node);
        await (fault.kind === 'kill' ? this.control.kill(node) : this.control.pause(node));
        return { f: fault.kind, detail: { node, target: fault.target } };
      }
      case 'redis':
        await this.control.redisKill();
        this.redisDown = true;
        return { f: 'redis', detail: {} };
      case 'exchange': {
        const n = createRng(fault.seed).int(1, this.control.exchangeUrls().length + 1);
        this.targets.set(fault, n);
        await this.control.exchangeFaults(n, EXCHANGE_FAULTS[fault.mode]);
        return { f: 'exchange', detail: { exchange: n, mode: fault.mode } };
      }
      case 'membership':
        return this.membership.start(fault.seed);
      case 'clock':
        return this.clock.start(fault.rate, fault.seed);
    }
  }

  async stop(fault: Fault): Promise<FaultRecord> {
    const target = this.targets.get(fault);
    this.targets.delete(fault);
    switch (fault.kind) {
      case 'partition':
        await this.control.healLinks();
        return { f: 'partition', detail: {} };
      case 'kill':
      case 'pause': {
        if (typeof target !== 'string') throw new Error(`${fault.kind} was never started`);
        await (fault.kind === 'kill' ? this.control.start(target) : this.control.resume(target));
        return { f: fault.kind, detail: { node: target } };
      }
      case 'redis':
        await this.control.redisRestart();
        this.redisDown = false;
        return { f: 'redis', detail: {} };
      case 'exchange':
        if (typeof target !== 'number') throw new Error('exchange fault was never started');
        await this.control.exchangeFaults(target, { ...NO_FAULTS });
        return { f: 'exchange', detail: { exchange: target } };
      case 'membership':
        return this.membership.stop(fault.seed);
      case 'clock':
        return this.clock.stop();
    }
  }

  /** Links back, every node running and resumed, Redis up (if managed), exchanges clean. */
  async heal(): Promise<FaultRecord> {
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
    };
    await attempt('links', () => this.control.heal());
    if (this.clock.pending()) await attempt('clock', () => this.clock.stop());
    // A fresh view of launcher.json (members added at run time); members removed stay down.
    const control = await ClusterControl.attach(this.control.dataDir());
    const st = await control.status();
    for (const n of st.nodes.filter((node) => this.directory.members().includes(node.id))) {
      if (n.process === 'paused') await attempt(`resume ${n.id}`, () => control.resume(n.id));
      if (n.process === 'down') await attempt(`start ${n.id}`, () => control.start(n.id));
    }
    if (this.redisDown) await attempt('redis', () => this.control.redisRestart());
    this.redisDown = false;
    for (let i = 1; i <= this.control.exchangeUrls().length; i++) await attempt(`exchange ${i}`, () => this.control.exchangeFaults(i, { ...NO_FAULTS }));
    this.targets.clear();
    return { f: 'heal', detail: problems.length > 0 ? { problems } : {} };
  }
}
