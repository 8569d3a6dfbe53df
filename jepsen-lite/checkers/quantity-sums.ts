/**
 * The final quantities a stock can have given a known base and optional deltas (each
 * indeterminate trade adds its delta or nothing). Exact subset sums while the reachable set
 * stays under a bound; past it, the interval hull (an over-approximation: it may accept a
 * wrong quantity, never reject a right one).
 */
export const REACHABLE_VALUES_MAX = 200_000;

export type Reachable = { exact: true; values: ReadonlySet<number> } | { exact: false; lo: number; hi: number };

export function reachableQuantities(base: number, optionalDeltas: readonly number[]): Reachable {
  let values = new Set<number>([base]);
  for (const delta of optionalDeltas) {
    if (delta === 0) continue;
    const next = new Set(values);
    for (const v of values) next.add(v + delta);
    if (next.size > REACHABLE_VALUES_MAX) return hull(base, optionalDeltas);
    values = next;
  }
  return { exact: true, values };
}

function hull(base: number, deltas: readonly number[]): Reachable {
  let lo = base;
  let hi = base;
  for (const d of deltas) {
    if (d < 0) lo += d;
    else hi += d;
  }
  return { exact: false, lo, hi };
}

export function isReachable(r: Reachable, quantity: number): boolean {
  return r.exact ? r.values.has(quantity) : r.lo <= quantity && quantity <= r.hi;
}

export function describeReachable(r: Reachable): string {
  if (!r.exact) return `${r.lo}..${r.hi} (approximate)`;
  const sorted = [...r.values].sort((a, b) => a - b);
  return sorted.length <= 12 ? `{${sorted.join(', ')}}` : `${sorted.length} values in ${sorted[0]}..${sorted[sorted.length - 1]}`;
}
