import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryKind, type Entry } from '../../raft/index.js';
import { encodeCommand, requestHashOf, type TradeCommand } from './commands.js';
import type { TradeType } from './model.js';
import { BazaarStateMachine, DEFAULT_STATE_MACHINE_LIMITS, type BazaarStateMachineOptions } from './state-machine.js';

/** Test helpers: temp-dir state machines and log entries (no Raft). */

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `bazaar-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function openMachine(
  dir: string,
  symbols: readonly string[],
  overrides: Partial<BazaarStateMachineOptions> = {},
): Promise<BazaarStateMachine> {
  return BazaarStateMachine.open({ ...DEFAULT_STATE_MACHINE_LIMITS, dir, symbols, ...overrides });
}

export function trade(
  name: string,
  type: TradeType,
  quantity: number,
  extra: { key?: string; atMs?: number; price?: number | null } = {},
): TradeCommand {
  const key = extra.key ?? null;
  return {
    op: 'trade',
    name,
    type,
    quantity,
    price: extra.price ?? null,
    executedAtMs: extra.atMs ?? 1_000,
    idempotencyKey: key,
    requestHash: key === null ? null : requestHashOf({ name, type, quantity }),
  };
}

export function normalEntry(index: number, command: TradeCommand, term = 1): Entry {
  return { index, term, kind: EntryKind.Normal, data: encodeCommand(command) };
}

export function emptyEntry(index: number, term = 1): Entry {
  return { index, term, kind: EntryKind.Empty, data: new Uint8Array() };
}
