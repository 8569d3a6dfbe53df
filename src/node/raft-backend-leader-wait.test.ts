import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork, RaftNode, Role, silentLogger } from '../../raft/index.js';
import type { ApplyResult } from '../bazaar/model.js';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import { makeTempDir, openMachine } from '../bazaar/test-support.js';
import type { TradeOutcome } from '../http/backend.js';
import type { StockReader } from '../cache/stock-reader.js';
import type { BazaarRpcClients } from './bazaar-rpc.js';
import { LeaderChangeWaiters } from './leader-change-waiters.js';
import { RaftBackend } from './raft-backend.js';

/**
 * A trade that arrives while no leader is known waits for the driver's leader change, not for
 * its next retry: here over the real RaftNode (LevelDB log, the bazaar state machine) with a
 * retry interval far longer than the test may take, so only the leader-change wake-up can
 * finish the trade in time.
 */

const RETRY_MS = 60_000;
/** The trade must finish this soon after the election; far below RETRY_MS. */
const AFTER_ELECTION_MAX_MS = 3_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function singleVoter(): Promise<{ raft: RaftNode<ApplyResult>; machine: BazaarStateMachine }> {
  const tmp = await makeTempDir('leader-wait');
  cleanups.push(tmp.remove);
  const machine = await openMachine(join(tmp.dir, 'state'), ['aapl']);
  cleanups.push(() => machine.close());
  const raft = await RaftNode.start<ApplyResult>({
    id: 'n1',
    voters: ['n1'],
    dataDir: join(tmp.dir, 'raft'),
    transport: new MemoryNetwork().transport('n1'),
    stateMachine: machine,
    // Ticks so slow that the node never elects itself during the test: campaign() does.
    tickMs: RETRY_MS,
    seed: 1,
    logger: silentLogger,
    onFatal: (error) => {
      throw error;
    },
  });
  cleanups.push(() => raft.stop());
  return { raft, machine };
}

describe('RaftBackend: a trade waiting for a leader', () => {
  it('runs as soon as this node becomes leader, without waiting for its next retry', async () => {
    const { raft, machine } = await singleVoter();
    const backend = new RaftBackend({
      nodeId: 'n1',
      raft,
      machine,
      reader: {} as StockReader,
      rpc: {} as BazaarRpcClients,
      registry: new Registry(),
      requestTimeoutMs: 2 * RETRY_MS,
      priceOf: () => null,
      leaderRetryMs: RETRY_MS,
    });
    expect(raft.roleInfo()).toMatchObject({ role: Role.Follower, leader: null });
    const trade = backend.trade({ name: 'aapl', type: 'BUY', quantity: 3 }, null);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the trade found no leader and waits
    raft.campaign();
    const stillWaiting = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), AFTER_ELECTION_MAX_MS));
    const outcome: TradeOutcome | 'still waiting' = await Promise.race([trade, stillWaiting]);
    expect(outcome).toEqual({ ok: true, transactionNumber: 1, replayed: false });
    expect(raft.roleInfo().role).toBe(Role.Leader);
    expect((await machine.getOrder(1))?.quantity).toBe(3);
  });
});

describe('LeaderChangeWaiters', () => {
  it('wakes every waiter on notify and forgets it, and a waiter not notified wakes at its bound', async () => {
    const waiters = new LeaderChangeWaiters();
    const woken: string[] = [];
    const a = waiters.wait(RETRY_MS).then(() => woken.push('a'));
    const b = waiters.wait(RETRY_MS).then(() => woken.push('b'));
    expect(waiters.size).toBe(2);
    waiters.notify();
    await Promise.all([a, b]);
    expect(woken.sort()).toEqual(['a', 'b']);
    expect(waiters.size).toBe(0);
    await waiters.wait(5);
    expect(waiters.size).toBe(0);
  });
});
