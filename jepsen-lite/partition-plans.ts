/**
 * Pure partition planning for the nemesis: which directed links a fault shape cuts.
 *  - random-halves: a seeded shuffle split into floor(n/2) and the rest.
 *  - isolate-leader: the leader alone vs the rest.
 *  - majorities-ring: nodes on a seeded ring; with 5 nodes each keeps only its two ring
 *    neighbours (it sees a majority, 3 of 5, and no two nodes see the same one); with 3 nodes,
 *    a bridge: two nodes cut from each other, both still reaching the third.
 *  - one-way: one node (the leader or a random one) cannot send to anyone, yet hears everyone.
 */
import type { Rng } from '../common/rng.js';
import { PartitionShape } from './generator.js';

export interface DirectedLink {
  from: string;
  to: string;
}

export interface PartitionPlan {
  shape: PartitionShape;
  /** Directed links to cut (all others stay up). */
  cut: DirectedLink[];
  /** Human description for the history, e.g. "n1 | n2,n3". */
  description: string;
}

export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function betweenGroups(groups: readonly (readonly string[])[]): DirectedLink[] {
  const cut: DirectedLink[] = [];
  groups.forEach((g, i) => groups.forEach((h, j) => {
    if (i !== j) for (const from of g) for (const to of h) cut.push({ from, to });
  }));
  return cut;
}

function both(a: string, b: string): DirectedLink[] {
  return [{ from: a, to: b }, { from: b, to: a }];
}

function ringCuts(ring: readonly string[]): DirectedLink[] {
  const n = ring.length;
  if (n === 3) return both(ring[0] as string, ring[2] as string);
  // Each node keeps the neighbours within ring distance `keep`: 2 * keep + 1 is a bare majority.
  const keep = Math.floor(n / 2 / 2) || 1;
  const cut: DirectedLink[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.min(j - i, n - (j - i));
      if (d > keep) cut.push(...both(ring[i] as string, ring[j] as string));
    }
  }
  return cut;
}

export function planPartition(shape: PartitionShape, nodes: readonly string[], leader: string | null, rng: Rng): PartitionPlan {
  if (nodes.length < 3) throw new Error(`partitions need at least 3 nodes, got ${nodes.length}`);
  switch (shape) {
    case PartitionShape.RandomHalves: {
      const s = shuffled(nodes, rng);
      const groups = [s.slice(0, Math.floor(s.length / 2)), s.slice(Math.floor(s.length / 2))];
      return { shape, cut: betweenGroups(groups), description: groups.map((g) => g.join(',')).join(' | ') };
    }
    case PartitionShape.IsolateLeader: {
      const alone = leader ?? rng.pick(nodes);
      const groups = [[alone], nodes.filter((n) => n !== alone)];
      return { shape, cut: betweenGroups(groups), description: `${alone} | ${groups[1]?.join(',')}${leader === null ? ' (no leader known: random node)' : ''}` };
    }
    case PartitionShape.MajoritiesRing: {
      const ring = shuffled(nodes, rng);
      return { shape, cut: ringCuts(ring), description: `ring ${ring.join('-')}` };
    }
    case PartitionShape.OneWay: {
      const from = leader !== null && rng.chance(0.5) ? leader : rng.pick(nodes);
      return { shape, cut: nodes.filter((n) => n !== from).map((to) => ({ from, to })), description: `${from} -> * cut (one way)` };
    }
  }
}
