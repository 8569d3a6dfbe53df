/**
 * History: the record of one jepsen-lite run, one JSON object per line (history.jsonl).
 *
 * Client lines:
 *   {"index":i,"time":<ns since start>,"process":<int>,"type":"invoke"|"ok"|"fail"|"info",
 *    "f":"buy"|"sell"|"read"|"read-order","key":"<symbol>"|null,"value":<see below>,"node"?:"n1"}
 *   buy/sell   invoke {"qty","idempotency_key"}; ok {"qty","filled":true,"tx"} or, for a BUY
 *              rejected for insufficient quantity, {"qty","filled":false}; fail/info: the invoke value.
 *   read       invoke null; ok {"quantity"}; fail/info: null.
 *   read-order invoke {"tx"}; ok {"tx","name","type","quantity"} or {"tx","found":false}.
 * `fail` means the request certainly did not execute; `info` means the outcome is unknown.
 * `node` (an extension) names the node the request was sent to.
 *
 * Nemesis lines: {"process":"nemesis","type":"info","f":<fault name>,"value":<object>}.
 * Fault lines carry value {"action":"start"|"stop", ...details}. Phase markers have
 * f "phase" and value {"phase":"workload"|"heal"|"recover"|"final"}.
 */
import { readFile, writeFile } from 'node:fs/promises';

export const OpType = { Invoke: 'invoke', Ok: 'ok', Fail: 'fail', Info: 'info' } as const;
export type OpType = (typeof OpType)[keyof typeof OpType];

export const OpF = { Buy: 'buy', Sell: 'sell', Read: 'read', ReadOrder: 'read-order' } as const;
export type OpF = (typeof OpF)[keyof typeof OpF];

export const Phase = { Workload: 'workload', Heal: 'heal', Recover: 'recover', Final: 'final' } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const NEMESIS_PROCESS = 'nemesis';
export const PHASE_F = 'phase';

export interface TradeInvokeValue {
  qty: number;
  idempotency_key: string | null;
}
export type TradeOkValue = { qty: number; filled: true; tx: number } | { qty: number; filled: false };
export interface ReadOkValue {
  quantity: number;
}
export interface ReadOrderInvokeValue {
  tx: number;
}
export type OrderType = 'BUY' | 'SELL';
export type ReadOrderOkValue =
  | { tx: number; name: string; type: OrderType; quantity: number }
  | { tx: number; found: false };

export interface ClientOp {
  index: number;
  /** Nanoseconds since the start of the run. */
  time: number;
  process: number;
  type: OpType;
  f: OpF;
  key: string | null;
  value: unknown;
  node?: string;
}

export interface NemesisOp {
  index: number;
  time: number;
  process: typeof NEMESIS_PROCESS;
  type: 'info';
  f: string;
  value: Record<string, unknown>;
}

export type HistoryOp = ClientOp | NemesisOp;

export function isNemesisOp(op: HistoryOp): op is NemesisOp {
  return op.process === NEMESIS_PROCESS;
}

export function isClientOp(op: HistoryOp): op is ClientOp {
  return op.process !== NEMESIS_PROCESS;
}

export class HistoryFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`history line ${line}: ${message}`);
    this.name = 'HistoryFormatError';
  }
}

const OP_TYPES: ReadonlySet<string> = new Set(Object.values(OpType));
const OP_FS: ReadonlySet<string> = new Set(Object.values(OpF));

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isPosInt(x: unknown): x is number {
  return isNonNegInt(x) && x > 0;
}

/** Checks a client op's value against its f and type; returns an error message or null. */
export function clientValueError(f: OpF, type: OpType, value: unknown): string | null {
  if (f === OpF.Read) {
    if (type === OpType.Ok) {
      return isRecord(value) && isNonNegInt(value['quantity']) ? null : 'read ok value must be {"quantity":<int >= 0>}';
    }
    return value === null ? null : `read ${type} value must be null`;
  }
  if (f === OpF.ReadOrder) return readOrderValueError(type, value);
  return tradeValueError(f, type, value);
}

function tradeValueError(f: OpF, type: OpType, value: unknown): string | null {
  if (!isRecord(value) || !isPosInt(value['qty'])) return `${f} value must be an object with "qty" a positive integer`;
  if (type === OpType.Ok) {
    if (value['filled'] === true) return isPosInt(value['tx']) ? null : `${f} ok filled value needs "tx" >= 1`;
    if (value['filled'] === false) return f === OpF.Buy ? null : 'only a buy can be rejected (filled:false)';
    return `${f} ok value needs "filled" true or false`;
  }
  const key = value['idempotency_key'];
  return key === null || typeof key === 'string' ? null : `${f} value needs "idempotency_key" string or null`;
}

function readOrderValueError(type: OpType, value: unknown): string | null {
  if (!isRecord(value) || !isPosInt(value['tx'])) return 'read-order value must be an object with "tx" >= 1';
  if (type !== OpType.Ok || value['found'] === false) return null;
  const okShape =
    typeof value['name'] === 'string' &&
    (value['type'] === 'BUY' || value['type'] === 'SELL') &&
    isPosInt(value['quantity']);
  return okShape ? null : 'read-order ok value must be {"tx","name","type":"BUY"|"SELL","quantity"} or {"tx","found":false}';
}

/** Validates one parsed line (1-based `line` for messages). Throws HistoryFormatError. */
export function validateOp(raw: unknown, line: number): HistoryOp {
  const fail = (msg: string): never => {
    throw new HistoryFormatError(line, msg);
  };
  if (!isRecord(raw)) return fail('not a JSON object');
  if (!isNonNegInt(raw['index'])) fail('"index" must be an integer >= 0');
  if (!isNonNegInt(raw['time'])) fail('"time" must be an integer >= 0 (ns since start)');
  if (raw['process'] === NEMESIS_PROCESS) {
    if (raw['type'] !== 'info') fail('nemesis lines must have type "info"');
    if (typeof raw['f'] !== 'string' || raw['f'] === '') fail('nemesis "f" must name the fault');
    if (!isRecord(raw['value'])) fail('nemesis "value" must be an object');
    return raw as unknown as NemesisOp;
  }
  if (!isNonNegInt(raw['process'])) fail('"process" must be an integer >= 0 or "nemesis"');
  if (typeof raw['type'] !== 'string' || !OP_TYPES.has(raw['type'])) fail('"type" must be invoke, ok, fail or info');
  if (typeof raw['f'] !== 'string' || !OP_FS.has(raw['f'])) fail('"f" must be buy, sell, read or read-order');
  const f = raw['f'] as OpF;
  const key = raw['key'];
  if (f === OpF.ReadOrder ? key !== null : typeof key !== 'string' || key === '') {
    fail(f === OpF.ReadOrder ? 'read-order "key" must be null' : `${f} "key" must be a stock symbol`);
  }
  if (raw['node'] !== undefined && typeof raw['node'] !== 'string') fail('"node" must be a string when present');
  const err = clientValueError(f, raw['type'] as OpType, raw['value']);
  if (err !== null) fail(err);
  return raw as unknown as ClientOp;
}

/**
 * Checks whole-history structure: indexes are 0..n-1 in order, time never decreases, each
 * process alternates invoke -> completion with the same f and key. A trailing invoke with no
 * completion is allowed (the run ended); checkers treat it as info.
 */
export function validateHistory(ops: readonly HistoryOp[]): void {
  const open = new Map<number, ClientOp>();
  let lastTime = 0;
  ops.forEach((op, i) => {
    const line = i + 1;
    if (op.index !== i) throw new HistoryFormatError(line, `index ${op.index}, expected ${i}`);
    if (op.time < lastTime) throw new HistoryFormatError(line, `time ${op.time} is before the previous line's ${lastTime}`);
    lastTime = op.time;
    if (!isClientOp(op)) return;
    const pending = open.get(op.process);
    if (op.type === OpType.Invoke) {
      if (pending) throw new HistoryFormatError(line, `process ${op.process} invokes while op ${pending.index} is open`);
      open.set(op.process, op);
      return;
    }
    if (!pending) throw new HistoryFormatError(line, `process ${op.process} completes with no open invoke`);
    if (pending.f !== op.f || pending.key !== op.key) {
      throw new HistoryFormatError(line, `completion ${op.f}/${op.key} does not match invoke ${pending.f}/${pending.key} (line ${pending.index + 1})`);
    }
    open.delete(op.process);
  });
}

export function parseHistory(text: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new HistoryFormatError(i + 1, `not valid JSON: ${(err as Error).message}`);
    }
    ops.push(validateOp(parsed, i + 1));
  });
  validateHistory(ops);
  return ops;
}

export function serializeHistory(ops: readonly HistoryOp[]): string {
  return ops.map((op) => JSON.stringify(op)).join('\n') + (ops.length > 0 ? '\n' : '');
}

export async function readHistory(path: string): Promise<HistoryOp[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read history ${path}: ${(err as Error).message}`);
  }
  return parseHistory(text);
}

export async function writeHistory(path: string, ops: readonly HistoryOp[]): Promise<void> {
  await writeFile(path, serializeHistory(ops), 'utf8');
}

/** Appends ops with consecutive indexes and monotonic ns times (injected clock for tests). */
export class HistoryRecorder {
  private readonly ops: HistoryOp[] = [];
  private lastTimeNs = 0;

  constructor(private readonly nowNs: () => number) {}

  client(op: Omit<ClientOp, 'index' | 'time'>): ClientOp {
    const full = { index: this.ops.length, time: this.stamp(), ...op } as ClientOp;
    this.ops.push(full);
    return full;
  }

  nemesis(f: string, value: Record<string, unknown>): NemesisOp {
    const full: NemesisOp = { index: this.ops.length, time: this.stamp(), process: NEMESIS_PROCESS, type: 'info', f, value };
    this.ops.push(full);
    return full;
  }

  phase(phase: Phase): NemesisOp {
    return this.nemesis(PHASE_F, { phase });
  }

  snapshot(): readonly HistoryOp[] {
    return this.ops;
  }

  private stamp(): number {
    const t = Math.max(this.lastTimeNs, Math.floor(this.nowNs()));
    this.lastTimeNs = t;
    return t;
  }
}
