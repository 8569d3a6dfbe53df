import { afterEach, describe, expect, it } from 'vitest';
import { EntryKind } from '../../raft/core/types.js';
import { RaftError, RaftDriverErrorCode } from '../../raft/driver/raft-errors.js';
import { StockReader } from '../cache/stock-reader.js';
import { describeError } from '../errors.js';
import { decodeCommand } from './commands.js';
import { ReplicatedBackend, type ReplicationPort, type TradeForwarder } from './replicated-backend.js';
import type { BazaarStateMachine } from './state-machine.js';
import { makeTempDir, openMachine } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A one-node "log": propose applies at once. Counts barriers. */
function localReplication(machine: BazaarStateMachine, leader: () => boolean): ReplicationPort & { barriers: number; proposed: Uint8Array[] } {
  const port = {
    barriers: 0,
    proposed: [] as Uint8Array[],
    propose: async (data: Uint8Array) => {
      port.proposed.push(data);
      const index = machine.lastApplied + 1;
      const [result] = await machine.apply([{ index, term: 1, kind: EntryKind.Normal, data }]);
      return { index, result: result ?? null };
    },
    readIndex: () => {
      port.barriers += 1;
      return Promise.resolve(machine.lastApplied);
    },
    isLeader: leader,
    status: () => ({ nodeId: 'n1', role: 'leader', term: 1, leader: 'n1', commitIndex: 0, appliedIndex: 0, peers: [] }),
  };
  return port;
}

async function setup(leader: () => boolean, forwarder: TradeForwarder | null) {
  const temp = await makeTempDir('replicated');
  const machine = await openMachine(temp.dir, ['aapl']);
  cleanups.push(temp.remove, () => machine.close());
  const replication = localReplication(machine, leader);
  const reader = new StockReader({ local: machine, readBarrier: () => replication.readIndex(), cache: null });
  const backend = new ReplicatedBackend({
    machine,
    replication,
    forwarder,
    reader,
    priceOf: () => 12.25,
    nowMs: () => 5_000,
    metricsText: () => Promise.resolve('m 1\n'),
  });
  return { backend, replication, machine };
}

describe('ReplicatedBackend', () => {
  it('on the leader proposes a command carrying the leader-chosen price and time', async () => {
    const { backend, replication } = await setup(() => true, null);
    expect(await backend.trade({ name: 'aapl', type: 'BUY', quantity: 3 }, 'key-1')).toMatchObject({ ok: true, transactionNumber: 1 });
    const proposed = replication.proposed[0];
    expect(proposed && decodeCommand(proposed)).toMatchObject({ price: 12.25, executedAtMs: 5_000, idempotencyKey: 'key-1' });
    expect(await backend.readOrder(1)).toEqual({ number: 1, name: 'aapl', type: 'BUY', quantity: 3, price: 12.25 });
    expect(replication.barriers).toBe(1);
  });

  it('linearizable stock reads pass the ReadIndex barrier, stale reads do not', async () => {
    const { backend, replication } = await setup(() => true, null);
    expect(await backend.readStock('aapl', 'linearizable')).toEqual({ name: 'aapl', price: 12.25, quantity: 100, volume: 0 });
    expect(replication.barriers).toBe(1);
    expect(await backend.readStock('aapl', 'stale')).toMatchObject({ quantity: 100 });
    expect(replication.barriers).toBe(1);
    expect(await backend.readStock('nosuch', 'stale')).toBeNull();
  });

  it('on a follower forwards, or answers 503 without a forwarder', async () => {
    const forwarded: unknown[] = [];
    const forwarder: TradeForwarder = {
      forward: (request, key) => {
        forwarded.push([request, key]);
        return Promise.resolve({ ok: true, transactionNumber: 9, replayed: false });
      },
    };
    const { backend, replication } = await setup(() => false, forwarder);
    expect(await backend.trade({ name: 'aapl', type: 'SELL', quantity: 1 }, null)).toMatchObject({ transactionNumber: 9 });
    expect(forwarded).toEqual([[{ name: 'aapl', type: 'SELL', quantity: 1 }, null]]);
    expect(replication.proposed).toHaveLength(0);
    const alone = await setup(() => false, null);
    const error = await alone.backend.trade({ name: 'aapl', type: 'SELL', quantity: 1 }, null).catch((err: unknown) => err);
    expect(describeError(error)).toMatchObject({ status: 503, retryAfterSeconds: 1 });
  });

  it('lets Raft errors through for the errors module to map', async () => {
    const { backend, replication } = await setup(() => true, null);
    replication.propose = () => Promise.reject(new RaftError(RaftDriverErrorCode.NotLeader, 'lost leadership'));
    const error = await backend.trade({ name: 'aapl', type: 'BUY', quantity: 1 }, null).catch((err: unknown) => err);
    expect(describeError(error)).toMatchObject({ status: 503, code: 'RAFT_ERR_NOT_LEADER' });
  });
});
