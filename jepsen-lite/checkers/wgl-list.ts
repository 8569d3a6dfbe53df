/**
 * The WGL entry list: call and return entries of the required ops in real-time order, as a
 * doubly linked list over typed arrays (entry 0 is the head sentinel, NIL ends the list).
 */
import type { LinOp } from './wgl.js';

export const NIL = -1;

export interface EntryList {
  next: Int32Array;
  prev: Int32Array;
  /** For a call entry, its return entry; NIL for return entries. */
  match: Int32Array;
  /** Op id of each entry. */
  opOf: Int32Array;
}

/** Builds the list over ops[ids] (ids: the required ops, each with a finite return). */
export function buildEntryList(ops: readonly LinOp[], ids: readonly number[]): EntryList {
  const order: { time: number; op: number; isCall: boolean }[] = [];
  for (const i of ids) {
    const o = ops[i] as LinOp;
    if (!(o.call < o.ret)) throw new Error(`op ${i}: call ${o.call} must precede return ${o.ret}`);
    if (o.ret === Infinity) throw new Error(`op ${i}: a required op needs a finite return`);
    order.push({ time: o.call, op: i, isCall: true }, { time: o.ret, op: i, isCall: false });
  }
  order.sort((a, b) => (a.time === b.time ? a.op - b.op : a.time - b.time));
  const size = order.length + 1;
  const list: EntryList = {
    next: new Int32Array(size),
    prev: new Int32Array(size),
    match: new Int32Array(size).fill(NIL),
    opOf: new Int32Array(size).fill(NIL),
  };
  const callEntry = new Map<number, number>();
  order.forEach((e, i) => {
    const id = i + 1;
    list.opOf[id] = e.op;
    list.prev[id] = i;
    list.next[i] = id;
    if (e.isCall) callEntry.set(e.op, id);
    else list.match[callEntry.get(e.op) as number] = id;
  });
  list.next[order.length] = NIL;
  return list;
}

/** Removes call entry e and its return entry. */
export function lift(l: EntryList, e: number): void {
  const m = l.match[e] as number;
  const ne = l.next[e] as number;
  l.next[l.prev[e] as number] = ne;
  if (ne !== NIL) l.prev[ne] = l.prev[e] as number;
  const nm = l.next[m] as number;
  l.next[l.prev[m] as number] = nm;
  if (nm !== NIL) l.prev[nm] = l.prev[m] as number;
}

/** Reinserts what lift(e) removed (must undo lifts in reverse order). */
export function unlift(l: EntryList, e: number): void {
  const m = l.match[e] as number;
  const nm = l.next[m] as number;
  if (nm !== NIL) l.prev[nm] = m;
  l.next[l.prev[m] as number] = m;
  const ne = l.next[e] as number;
  if (ne !== NIL) l.prev[ne] = e;
  l.next[l.prev[e] as number] = e;
}
