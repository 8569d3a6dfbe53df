import { describe, expect, it } from 'vitest';
import { createRng } from '../common/rng.js';
import { PartitionShape } from './generator.js';
import { planPartition, type DirectedLink } from './partition-plans.js';

const reach = (nodes: string[], cut: DirectedLink[], from: string): string[] =>
  nodes.filter((to) => to === from || !cut.some((l) => l.from === from && l.to === to));

describe('partition plans', () => {
  it('random halves cut every link across the two groups, both directions', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const plan = planPartition(PartitionShape.RandomHalves, nodes, null, createRng(1));
    expect(plan.cut).toHaveLength(2 * 2 * 3);
    const sizes = nodes.map((n) => reach(nodes, plan.cut, n).length).sort();
    expect(sizes).toEqual([2, 2, 3, 3, 3]);
  });

  it('isolate-leader leaves the leader alone', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const plan = planPartition(PartitionShape.IsolateLeader, nodes, 'n2', createRng(1));
    expect(reach(nodes, plan.cut, 'n2')).toEqual(['n2']);
    expect(reach(nodes, plan.cut, 'n1')).toEqual(['n1', 'n3']);
  });

  it('majorities ring: every node sees a bare majority, and not all the same one', () => {
    for (const nodes of [['n1', 'n2', 'n3'], ['n1', 'n2', 'n3', 'n4', 'n5']]) {
      const plan = planPartition(PartitionShape.MajoritiesRing, nodes, null, createRng(7));
      const views = nodes.map((n) => reach(nodes, plan.cut, n));
      const majority = Math.floor(nodes.length / 2) + 1;
      expect(views.every((v) => v.length >= majority)).toBe(true);
      expect(new Set(views.map((v) => v.join())).size).toBeGreaterThan(1);
      expect(plan.cut.length).toBeGreaterThan(0);
    }
  });

  it('one-way cuts only one node\'s outbound links', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const plan = planPartition(PartitionShape.OneWay, nodes, 'n1', createRng(3));
    const from = plan.cut[0]?.from as string;
    expect(plan.cut.every((l) => l.from === from)).toBe(true);
    expect(plan.cut).toHaveLength(2);
    expect(nodes.filter((n) => n !== from).every((n) => reach(nodes, plan.cut, n).includes(from))).toBe(true);
  });
});
