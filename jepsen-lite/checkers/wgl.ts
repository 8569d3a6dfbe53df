/**
 * Wing-Gong-Lowe linearizability search for one object (one stock), after porcupine's
 * checkSingle: call/return entries in a doubly linked list ordered by real time; try to
 * linearize pending calls before the first return; backtrack on a return whose op is not yet
 * linearized. Lowe's memoization prunes revisits of (linearized set, model state).
 *
 * The linearized set is kept as a 64-bit Zobrist hash (two independent 32-bit halves) updated
 * in O(1) per step. A hash collision can only prune a state that was not really visited, so it
 * can only turn a valid history into a reported violation, never hide one; callers confirm a
 * violation with a second search under different hash seeds (see linearizable.ts).
 *
 * Optional ops (info: unknown outcome) return at +Infinity and may be left out: the search
 * succeeds as soon as every required op is linearized.
 */
import { performance } from 'node:perf_hooks';
import { createRng } from '../../raft/core/rng.js';
import { stateKey, stepModel, type ModelOp, type QuantityState } from './quantity-model.js';

export interface LinOp {
  /** Real-time order of the invoke (history index). */
  call: number;
  /** Real-time order of the completion; Infinity when unknown. */
  ret: number;
  op: ModelOp;
  /** false for info ops: they may have taken effect or not. */
  required: boolean;
}

export interface SearchBudget {
  /** Search steps (list moves) before giving up with `unknown`. */
  stepsMax: number;
  /** performance.now() value after which the search gives up with `unknown`. */
  deadlineMs: number;
  /** Bound on memoized (set, state) entries; past it the search gives up with `unknown`. */
  memoEntriesMax: number;
}

export type SearchResult =
  | { verdict: 'valid'; steps: number }
  | { verdict: 'invalid'; steps: number; linearizedMax: number }
  | { verdict: 'unknown'; steps: number; reason: string };

const NIL = -1;
const DEADLINE_CHECK_EVERY_STEPS = 1024;

interface EntryList {
  next: Int32Array;
  prev: Int32Array;
  /** For a call entry, its return entry; -1 for return entries. */
  match: Int32Array;
  /** Op id of each entry (entries are 1..2n, 0 is the head sentinel). */
  opOf: Int32Array;
}

function buildEntries(ops: readonly LinOp[]): EntryList {
  const n = ops.length;
  const order: { time: number; op: number; isCall: boolean }[] = [];
  ops.forEach((o, i) => {
    if (!(o.call < o.ret)) throw new Error(`op ${i}: call ${o.call} must precede return ${o.ret}`);
    order.push({ time: o.call, op: i, isCall: true }, { time: o.ret, op: i, isCall: false });
  });
  // Ties only among +Infinity returns: order them by op id for determinism.
  order.sort((a, b) => (a.time === b.time ? a.op - b.op : a.time - b.time));
  const size = 2 * n + 1;
  const list: EntryList = {
    next: new Int32Array(size),
    prev: new Int32Array(size),
    match: new Int32Array(size).fill(NIL),
    opOf: new Int32Array(size).fill(NIL),
  };
  const callEntry = new Int32Array(n);
  order.forEach((e, i) => {
    const id = i + 1;
    list.opOf[id] = e.op;
    list.prev[id] = i;
    list.next[i] = id;
    if (e.isCall) callEntry[e.op] = id;
    else list.match[callEntry[e.op] as number] = id;
  });
  list.next[order.length] = NIL;
  return list;
}

function lift(l: EntryList, e: number): void {
  const m = l.match[e] as number;
  const ne = l.next[e] as number;
  l.next[l.prev[e] as number] = ne;
  if (ne !== NIL) l.prev[ne] = l.prev[e] as number;
  const nm = l.next[m] as number;
  l.next[l.prev[m] as number] = nm;
  if (nm !== NIL) l.prev[nm] = l.prev[m] as number;
}

function unlift(l: EntryList, e: number): void {
  const m = l.match[e] as number;
  const nm = l.next[m] as number;
  if (nm !== NIL) l.prev[nm] = m;
  l.next[l.prev[m] as number] = m;
  const ne = l.next[e] as number;
  if (ne !== NIL) l.prev[ne] = e;
  l.next[l.prev[e] as number] = e;
}

function zobrist(n: number, seed: number): Uint32Array {
  const rng = createRng(seed);
  const z = new Uint32Array(2 * n);
  for (let i = 0; i < z.length; i++) z[i] = rng.nextU32();
  return z;
}

/** Runs the search. `hashSeed` picks the Zobrist table (vary it to confirm a violation). */
export function searchLinearization(
  ops: readonly LinOp[],
  initial: QuantityState,
  budget: SearchBudget,
  hashSeed = 1,
): SearchResult {
  const l = buildEntries(ops);
  const z = zobrist(ops.length, hashSeed);
  const memo = new Set<string>();
  const stackEntry: number[] = [];
  const stackState: QuantityState[] = [];
  let required = ops.reduce((c, o) => c + (o.required ? 1 : 0), 0);
  let h1 = 0;
  let h2 = 0;
  let state = initial;
  let entry = l.next[0] as number;
  let steps = 0;
  let linearizedMax = 0;
  while (required > 0) {
    steps++;
    if (steps > budget.stepsMax) return { verdict: 'unknown', steps, reason: `step budget ${budget.stepsMax} exhausted` };
    if (steps % DEADLINE_CHECK_EVERY_STEPS === 0 && performance.now() > budget.deadlineMs) {
      return { verdict: 'unknown', steps, reason: 'deadline passed' };
    }
    if (entry === NIL) throw new Error('wgl: ran off the entry list with required ops left (bug)');
    const opId = l.opOf[entry] as number;
    if (l.match[entry] !== NIL) {
      const next = stepModel(state, (ops[opId] as LinOp).op);
      if (next !== null) {
        const n1 = (h1 ^ (z[2 * opId] as number)) >>> 0;
        const n2 = (h2 ^ (z[2 * opId + 1] as number)) >>> 0;
        const key = `${n1},${n2},${stateKey(next)}`;
        if (!memo.has(key)) {
          if (memo.size >= budget.memoEntriesMax) {
            return { verdict: 'unknown', steps, reason: `memo bound ${budget.memoEntriesMax} reached` };
          }
          memo.add(key);
          stackEntry.push(entry);
          stackState.push(state);
          linearizedMax = Math.max(linearizedMax, stackEntry.length);
          state = next;
          h1 = n1;
          h2 = n2;
          if ((ops[opId] as LinOp).required) required--;
          lift(l, entry);
          entry = l.next[0] as number;
          continue;
        }
      }
      entry = l.next[entry] as number;
      continue;
    }
    // A return entry whose op is not linearized yet: backtrack.
    const top = stackEntry.pop();
    if (top === undefined) return { verdict: 'invalid', steps, linearizedMax };
    state = stackState.pop() as QuantityState;
    const topOp = l.opOf[top] as number;
    h1 = (h1 ^ (z[2 * topOp] as number)) >>> 0;
    h2 = (h2 ^ (z[2 * topOp + 1] as number)) >>> 0;
    if ((ops[topOp] as LinOp).required) required++;
    unlift(l, top);
    entry = l.next[top] as number;
  }
  return { verdict: 'valid', steps };
}
