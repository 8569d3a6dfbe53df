/**
 * Wing-Gong-Lowe linearizability search for one object (one stock), after porcupine's
 * checkSingle: the required ops' call/return entries sit in a linked list in real-time order
 * (wgl-list.ts); the search linearizes a pending call before the first return entry, or
 * backtracks when it reaches a return entry whose op is not linearized yet. Lowe's memo prunes
 * revisits of (linearized set, model state).
 *
 * The linearized set is a 64-bit Zobrist hash (two 32-bit halves) updated in O(1) per step and
 * folded with the state into a 53-bit number key. A collision can only prune a state that was
 * not really visited, so it can only turn a valid history into a reported violation, never hide
 * one; linearizable.ts confirms each violation with a second search under other hash seeds.
 *
 * Optional ops (info: unknown outcome) never return and may be left out: the search succeeds
 * once every required op is linearized. They live outside the list, in one queue per class
 * (same model op), because two pending optional ops of a class are interchangeable: only the
 * earliest-called unconsumed op of each class is ever tried, so "consumed" is a count per class.
 * A node = (required set, state, consumed counts). Each node tries required calls first (pass
 * 0), then one optional op per class called before the first return (pass 1): together these
 * are all children, so the search is complete. Subsumption (VisitedNodes) prunes a node when
 * a visited node (failed, or an ancestor still being explored) had the same required set and
 * state and consumed no more of any class: it had every token this node has, so whatever this
 * node can still do, that node can do in fewer steps. This stops the search from re-exploring
 * the many ways info ops can cancel out (a SELL 2 and a BUY 2 between two reads).
 */
import { performance } from 'node:perf_hooks';
import { createRng } from '../../common/rng.js';
import { ModelOpKind, stepModel, type ModelOp, type QuantityState } from './quantity-model.js';
import { NIL, buildEntryList, lift, unlift, type EntryList } from './wgl-list.js';

export interface LinOp {
  /** Real-time order of the invoke (history index). */
  call: number;
  /** Real-time order of the completion; Infinity when unknown (only for optional ops). */
  ret: number;
  op: ModelOp;
  /** false for info ops: they may have taken effect or not. */
  required: boolean;
}

export interface SearchBudget {
  /** Search steps (list moves and tries) before giving up with `unknown`. */
  stepsMax: number;
  /** performance.now() value after which the search gives up with `unknown`. */
  deadlineMs: number;
  /** Bound on memoized nodes (visited + failed); past it the search gives up with `unknown`. */
  memoEntriesMax: number;
}

export type SearchResult =
  | { verdict: 'valid'; steps: number }
  | { verdict: 'invalid'; steps: number; linearizedMax: number }
  | { verdict: 'unknown'; steps: number; reason: string };

const DEADLINE_CHECK_EVERY_STEPS = 1024;
const TWO_POW_21 = 2097152;
const LOW_21_BITS = 0x1fffff;

function memoKey(h1: number, h2: number, s: QuantityState): number {
  const hi = s.hi === Infinity ? 0x7fffffff : s.hi;
  const mixed = (Math.imul(h2 ^ s.lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
  return h1 * TWO_POW_21 + (mixed & LOW_21_BITS);
}

function zobrist(n: number, seed: number): Uint32Array {
  const rng = createRng(seed);
  const z = new Uint32Array(2 * n);
  for (let i = 0; i < z.length; i++) z[i] = rng.nextU32();
  return z;
}

/** Optional ops grouped by model op, each queue in call order. */
function optionalQueues(ops: readonly LinOp[]): number[][] {
  const byName = new Map<string, number[]>();
  ops.forEach((o, i) => {
    if (o.required) return;
    if (o.op.kind !== ModelOpKind.Sell && o.op.kind !== ModelOpKind.BuyUnknown) {
      throw new Error(`op ${i}: an optional op must be a sell or a buy of unknown outcome, got ${o.op.kind}`);
    }
    const name = `${o.op.kind}:${o.op.amount}`;
    const q = byName.get(name);
    if (q) q.push(i);
    else byName.set(name, [i]);
  });
  const queues = [...byName.values()].map((q) => q.sort((a, b) => (ops[a] as LinOp).call - (ops[b] as LinOp).call));
  const isSell = (q: number[]): number => ((ops[q[0] as number] as LinOp).op.kind === ModelOpKind.Sell ? 0 : 1);
  return queues.sort((a, b) => isSell(a) - isSell(b));
}

/** Visited nodes (on the stack or failed) by (required set, state), with their consumed counts. */
class VisitedNodes {
  private readonly byKey = new Map<number, Int32Array[]>();
  size = 0;

  record(key: number, consumed: Int32Array): void {
    const list = this.byKey.get(key);
    if (list) list.push(consumed.slice());
    else this.byKey.set(key, [consumed.slice()]);
    this.size++;
  }

  subsumes(key: number, consumed: Int32Array): boolean {
    const list = this.byKey.get(key);
    return list !== undefined && list.some((failed) => failed.every((c, i) => c <= (consumed[i] as number)));
  }
}

/** A linearized op: a required call entry, or the head of an optional class queue. */
interface Frame {
  entry: number;
  cls: number;
  state: QuantityState;
  /** The parent node's next candidate, token context and first class to try. */
  candIdx: number;
  afterToken: AfterToken;
  clsStart: number;
}

/**
 * Token chains (partial-order reduction, point states only). In any linearization a SELL token
 * (+q) can move later past a required SELL or rejected BUY, and a filled BUY token (-q) past a
 * required SELL or filled BUY, without changing any outcome; tokens in a chain can be sorted
 * (sells first, then by class). So only chains that are sorted and end right before a required
 * op they cannot pass need exploring: after a token, pass 0 only tries ops that token cannot
 * pass, and pass 1 only tries classes >= the token's class. A BUY token that would not fire is
 * a no-op, which subsumption already prunes.
 */
const AfterToken = { None: 0, Sell: 1, Buy: 2 } as const;
type AfterToken = (typeof AfterToken)[keyof typeof AfterToken];

function blockedBy(after: AfterToken, kind: ModelOp['kind']): boolean {
  if (after === AfterToken.None || kind === ModelOpKind.Read) return true;
  return after === AfterToken.Sell ? kind === ModelOpKind.BuyFilled : kind === ModelOpKind.BuyRejected;
}

/** Runs the search. `hashSeed` picks the Zobrist table (vary it to confirm a violation). */
export function searchLinearization(
  ops: readonly LinOp[],
  initial: QuantityState,
  budget: SearchBudget,
  hashSeed = 1,
): SearchResult {
  return new WglSearch(ops, initial, budget, hashSeed).run();
}

class WglSearch {
  private readonly l: EntryList;
  private readonly z: Uint32Array;
  private readonly queues: number[][];
  private readonly consumed: Int32Array;
  private readonly memo = new Set<number>();
  private readonly visited = new VisitedNodes();
  private readonly stack: Frame[] = [];
  private required: number;
  /** Hash of all linearized ops (memo) and of the required ones only (subsumption). */
  private h1 = 0;
  private h2 = 0;
  private hr1 = 0;
  private hr2 = 0;
  private state: QuantityState;
  /** Pass 0 tries `cands` (required calls before the first return, earliest return first); pass 1 tries classes from `cls`. */
  private pass: 0 | 1 = 0;
  private cands: number[] = [];
  private candIdx = 0;
  private cls = 0;
  private frontier = Infinity;
  private afterToken: AfterToken = AfterToken.None;
  private clsStart = 0;
  /** Token chains are only pruned when the start state is exact (see AfterToken). */
  private readonly chains: boolean;
  steps = 0;

  constructor(
    private readonly ops: readonly LinOp[],
    initial: QuantityState,
    private readonly budget: SearchBudget,
    hashSeed: number,
  ) {
    const requiredIds = ops.flatMap((o, i) => (o.required ? [i] : []));
    this.l = buildEntryList(ops, requiredIds);
    this.z = zobrist(ops.length, hashSeed);
    this.queues = optionalQueues(ops);
    this.consumed = new Int32Array(this.queues.length);
    this.required = requiredIds.length;
    this.state = initial;
    this.chains = initial.lo === initial.hi;
    this.enterNode();
    if (this.queues.length > 0) this.visited.record(memoKey(0, 0, initial), this.consumed);
  }

  run(): SearchResult {
    let linearizedMax = 0;
    while (this.required > 0) {
      this.steps++;
      const steps = this.steps;
      if (steps > this.budget.stepsMax) return { verdict: 'unknown', steps, reason: `step budget ${this.budget.stepsMax} exhausted` };
      if (steps % DEADLINE_CHECK_EVERY_STEPS === 0 && performance.now() > this.budget.deadlineMs) {
        return { verdict: 'unknown', steps, reason: 'deadline passed' };
      }
      if (this.memo.size + this.visited.size >= this.budget.memoEntriesMax) {
        return { verdict: 'unknown', steps, reason: `memo bound ${this.budget.memoEntriesMax} reached` };
      }
      const moved = this.pass === 0 ? this.scanRequired() : this.tryOptional();
      if (moved === 'lifted') linearizedMax = Math.max(linearizedMax, this.stack.length);
      if (moved === 'exhausted' && !this.backtrack()) return { verdict: 'invalid', steps, linearizedMax };
    }
    return { verdict: 'valid', steps: this.steps };
  }

  /**
   * Sets up pass 0 of the current node: the required calls before the first return entry,
   * ordered by return (earliest first), so an op with a long window (an info trade resolved
   * late by a retry) is tried after the ones that must be linearized soon. The order of
   * children does not change completeness; it only makes the first path more often right.
   */
  private enterNode(): void {
    const { l, ops } = this;
    const cands: number[] = [];
    let e = l.next[0] as number;
    for (; e !== NIL && l.match[e] !== NIL; e = l.next[e] as number) cands.push(e);
    this.frontier = e === NIL ? Infinity : (ops[l.opOf[e] as number] as LinOp).ret;
    const ret = (c: number): number => (ops[l.opOf[c] as number] as LinOp).ret;
    cands.sort((x, y) => ret(x) - ret(y) || x - y);
    this.cands = cands;
    this.candIdx = 0;
    this.pass = 0;
    this.cls = this.clsStart;
  }

  /** Pass 0, one candidate: try to linearize it; when none is left switch to pass 1. */
  private scanRequired(): 'lifted' | 'moved' {
    const entry = this.cands[this.candIdx];
    if (entry === undefined) {
      this.pass = 1;
      return 'moved';
    }
    this.candIdx++;
    const opId = this.l.opOf[entry] as number;
    const allowed = !this.chains || blockedBy(this.afterToken, (this.ops[opId] as LinOp).op.kind);
    if (!allowed || !this.tryLinearize(opId, NIL, entry)) return 'moved';
    lift(this.l, entry);
    this.afterToken = AfterToken.None;
    this.clsStart = 0;
    this.enterNode();
    return 'lifted';
  }

  /** Pass 1 at one class: try its earliest unconsumed op if it was called before the frontier. */
  private tryOptional(): 'lifted' | 'moved' | 'exhausted' {
    const cls = this.cls;
    const queue = this.queues[cls];
    if (queue === undefined) return 'exhausted';
    this.cls++;
    const opId = queue[this.consumed[cls] as number];
    if (opId === undefined || (this.ops[opId] as LinOp).call >= this.frontier) return 'moved';
    if (!this.tryLinearize(opId, cls, NIL)) return 'moved';
    this.afterToken = (this.ops[opId] as LinOp).op.kind === ModelOpKind.Sell ? AfterToken.Sell : AfterToken.Buy;
    if (this.chains) this.clsStart = cls;
    this.enterNode();
    return 'lifted';
  }

  /** Linearizes opId if the model allows and the node is new; pushes a frame. */
  private tryLinearize(opId: number, cls: number, entry: number): boolean {
    const next = stepModel(this.state, (this.ops[opId] as LinOp).op);
    if (next === null) return false;
    this.account(opId, cls, 1);
    const key = memoKey(this.h1, this.h2, next);
    const withTokens = this.queues.length > 0;
    const keyR = memoKey(this.hr1, this.hr2, next);
    if (this.memo.has(key) || (withTokens && this.visited.subsumes(keyR, this.consumed))) {
      this.account(opId, cls, -1);
      return false;
    }
    this.memo.add(key);
    if (withTokens) this.visited.record(keyR, this.consumed);
    this.stack.push({ entry, cls, state: this.state, candIdx: this.candIdx, afterToken: this.afterToken, clsStart: this.clsStart });
    this.state = next;
    if (cls === NIL) this.required--;
    return true;
  }

  /** Adds or removes op's contribution to the hashes and class counts. */
  private account(opId: number, cls: number, sign: 1 | -1): void {
    const z1 = this.z[2 * opId] as number;
    const z2 = this.z[2 * opId + 1] as number;
    this.h1 = (this.h1 ^ z1) >>> 0;
    this.h2 = (this.h2 ^ z2) >>> 0;
    if (cls === NIL) {
      this.hr1 = (this.hr1 ^ z1) >>> 0;
      this.hr2 = (this.hr2 ^ z2) >>> 0;
    } else this.consumed[cls] = (this.consumed[cls] as number) + sign;
  }

  /** Records the current node as failed, undoes the latest op and resumes after it. */
  private backtrack(): boolean {
    const frame = this.stack.pop();
    if (frame === undefined) return false;
    this.state = frame.state;
    this.afterToken = frame.afterToken;
    this.clsStart = frame.clsStart;
    if (frame.cls === NIL) {
      const opId = this.l.opOf[frame.entry] as number;
      this.account(opId, NIL, -1);
      this.required++;
      unlift(this.l, frame.entry);
      this.enterNode();
      this.candIdx = frame.candIdx;
    } else {
      const opId = (this.queues[frame.cls] as number[])[(this.consumed[frame.cls] as number) - 1] as number;
      this.account(opId, frame.cls, -1);
      this.enterNode();
      this.pass = 1;
      this.cls = frame.cls + 1;
    }
    return true;
  }
}
