/**
 * Seeded pseudo-random generator (sfc32 seeded through splitmix32). Deterministic:
 * the same seed yields the same sequence on every platform. Used by the Raft core
 * (injected), the simulator, jepsen-lite generators and the mock exchanges.
 */
export interface Rng {
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [lo, hiExclusive). */
  int(lo: number, hiExclusive: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A uniformly chosen element; the array must be non-empty. */
  pick<T>(items: readonly T[]): T;
  /** A derived, independent generator (for splitting streams deterministically). */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`rng seed must be an integer, got ${seed}`);
    const mix = splitmix32(seed >>> 0);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  float(): number {
    return this.nextU32() / 4294967296;
  }

  int(lo: number, hiExclusive: number): number {
    if (!(Number.isInteger(lo) && Number.isInteger(hiExclusive) && hiExclusive > lo)) {
      throw new Error(`rng.int needs integers lo < hi, got ${lo}, ${hiExclusive}`);
    }
    return lo + Math.floor(this.float() * (hiExclusive - lo));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('rng.pick of an empty array');
    return items[this.int(0, items.length)] as T;
  }

  fork(): Rng {
    return new Sfc32(this.nextU32());
  }
}

export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}

/**
 * The core's election jitter comes from `seed` mixed with the node id, so members started with
 * one seed (a config copied to every node) still draw different election timeouts.
 */
export function seedForNode(seed: number, id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193); // @mutant:jitter-ignores-id
  return (seed ^ hash) | 0;
}
