import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../core/types.js';
import { MemoryLogStorage, newLogDisk } from '../storage/memory-log-storage.js';
import type { TransportHooks } from '../transport/transport.js';
import { silentLogger } from './raft-logger.js';
import { READ_PARK_MS_MAX } from './pending-reads.js';
import { RaftNode } from './raft-node.js';
import { MemorySnapshotSpool } from './snapshot-spool.js';
import type { StateMachine } from './state-machine.js';

/** A follower n1 of leader n2, over one disk that outlives each process life. */
function startFollower(disk: ReturnType<typeof newLogDisk>, sent: Message[]): Promise<{ node: RaftNode; hooks: TransportHooks }> {
  let hooks: TransportHooks | null = null;
  const machine: StateMachine = {
    appliedIndex: async () => 0,
    apply: async (entries) => entries.map(() => null),
    checkpoint: async () => ({ index: 0, data: new Uint8Array() }),
    snapshotChunks: () => null,
    restore: async () => undefined,
  };
  return RaftNode.start({
    id: 'n1',
    voters: ['n1', 'n2', 'n3'],
    storage: new MemoryLogStorage(disk),
    snapshotSpool: new MemorySnapshotSpool(),
    stateMachine: machine,
    transport: { start: async (h) => void (hooks = h), send: (messages) => void sent.push(...messages), close: async () => undefined },
    tickMs: 60_000,
    seed: 1,
    logger: silentLogger,
    onFatal: (error) => {
      throw error;
    },
  }).then((node) => ({ node, hooks: hooks as unknown as TransportHooks }));
}

const heartbeat = { type: MessageType.Heartbeat, from: 'n2', to: 'n1', term: 1, commit: 0, readRound: 0 } as const;
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** A follower with one forwarded read unanswered and a second read parked behind it. */
async function followerWithParkedRead(): Promise<{ node: RaftNode; hooks: TransportHooks; requests: () => Message[]; parked: Promise<number> }> {
  const sent: Message[] = [];
  const { node, hooks } = await startFollower(newLogDisk(), sent);
  hooks.onMessage(heartbeat);
  const requests = (): Message[] => sent.filter((m) => m.type === MessageType.ReadIndex);
  void node.readIndex(5_000).catch(() => undefined);
  await settle();
  expect(requests()).toHaveLength(1);
  const parked = node.readIndex(5_000);
  await settle();
  expect(requests()).toHaveLength(1);
  return { node, hooks, requests, parked };
}

describe('RaftNode read contexts', () => {
  it('a late answer to a read of a previous process life does not answer a read of this one', async () => {
    const disk = newLogDisk();
    const firstSent: Message[] = [];
    const first = await startFollower(disk, firstSent);
    first.hooks.onMessage(heartbeat);
    void first.node.readIndex(5_000).catch(() => undefined);
    await settle();
    const oldRead = firstSent.find((m) => m.type === MessageType.ReadIndex);
    await first.node.stop();

    const sent: Message[] = [];
    const second = await startFollower(disk, sent);
    second.hooks.onMessage(heartbeat);
    let answered: number | null = null;
    void second.node.readIndex(5_000).then((index) => (answered = index), () => undefined);
    await settle();
    const newRead = sent.find((m) => m.type === MessageType.ReadIndex);
    expect(oldRead?.type === MessageType.ReadIndex && newRead?.type === MessageType.ReadIndex).toBe(true);
    if (oldRead?.type !== MessageType.ReadIndex || newRead?.type !== MessageType.ReadIndex) return;
    expect(newRead.context).not.toBe(oldRead.context);
    // The old life's answer (a stale index) arrives now: it must not serve the new read.
    second.hooks.onMessage({ type: MessageType.ReadIndexResp, from: 'n2', to: 'n1', term: 1, context: oldRead.context, index: 0, reject: false });
    await settle();
    expect(answered).toBeNull();
    second.hooks.onMessage({ type: MessageType.ReadIndexResp, from: 'n2', to: 'n1', term: 1, context: newRead.context, index: 0, reject: false });
    await settle();
    expect(answered).toBe(0);
    await second.node.stop();
  });

  it('reads started before the request leaves share one ReadIndex; a read started after it waits for a new one, sent once the first is answered', async () => {
    const sent: Message[] = [];
    const { node, hooks } = await startFollower(newLogDisk(), sent);
    hooks.onMessage(heartbeat);
    const answered: number[] = [];
    const first = Array.from({ length: 20 }, () => node.readIndex(5_000).then((index) => void answered.push(index)));
    await settle();
    const requests = (): Extract<Message, { type: typeof MessageType.ReadIndex }>[] =>
      sent.filter((m): m is Extract<Message, { type: typeof MessageType.ReadIndex }> => m.type === MessageType.ReadIndex);
    expect(requests()).toHaveLength(1);
    // This read starts after the first request left: the leader may have fixed that request's
    // index before a write this read must see, so its answer must not serve this read.
    let late: number | null = null;
    void node.readIndex(5_000).then((index) => (late = index));
    await settle();
    // One request in flight: the late read waits in a parked batch until the first is answered.
    expect(requests()).toHaveLength(1);
    const [one] = requests();
    hooks.onMessage({ type: MessageType.ReadIndexResp, from: 'n2', to: 'n1', term: 1, context: one?.context ?? '', index: 0, reject: false });
    await Promise.all(first);
    expect(answered).toEqual(Array.from({ length: 20 }, () => 0));
    await settle();
    expect(late).toBeNull();
    expect(requests()).toHaveLength(2);
    const two = requests()[1];
    expect(one?.context).not.toBe(two?.context);
    hooks.onMessage({ type: MessageType.ReadIndexResp, from: 'n2', to: 'n1', term: 1, context: two?.context ?? '', index: 0, reject: false });
    await settle();
    expect(late).toBe(0);
    expect(node.status().pendingReads).toBe(0);
    await node.stop();
  });

  it('a parked batch leaves without an answer ahead of it once that request is READ_PARK_MS_MAX old (a lost request delays it by that much)', async () => {
    const { node, hooks, requests, parked } = await followerWithParkedRead();
    let answered: number | null = null;
    void parked.then((index) => (answered = index));
    await new Promise((resolve) => setTimeout(resolve, READ_PARK_MS_MAX));
    hooks.onMessage(heartbeat); // any Ready (or tick) after the bound sends it
    await settle();
    expect(requests()).toHaveLength(2);
    const second = requests()[1];
    if (second?.type !== MessageType.ReadIndex) throw new Error('no second ReadIndex');
    hooks.onMessage({ type: MessageType.ReadIndexResp, from: 'n2', to: 'n1', term: 1, context: second.context, index: 0, reject: false });
    await settle();
    expect(answered).toBe(0);
    await node.stop();
  });

  it('a parked batch leaves when a read for another leader or term arrives', async () => {
    const { node, hooks, requests, parked } = await followerWithParkedRead();
    void parked.catch(() => undefined);
    hooks.onMessage({ ...heartbeat, from: 'n3', term: 2 }); // n3 leads term 2 now
    await settle();
    void node.readIndex(5_000).catch(() => undefined);
    await settle();
    // The parked batch (term 1) and the new read's batch (term 2) both went to the core: the
    // core forwards each to the leader it knows now.
    expect(requests().length).toBe(3);
    expect(requests().slice(1).every((m) => m.to === 'n3')).toBe(true);
    await node.stop();
  });

  it('a rejected batch fails every read in it', async () => {
    const sent: Message[] = [];
    const { node, hooks } = await startFollower(newLogDisk(), sent);
    hooks.onMessage(heartbeat);
    const reads = Array.from({ length: 5 }, () => node.readIndex(5_000).catch((e: unknown) => e));
    await settle();
    const request = sent.find((m) => m.type === MessageType.ReadIndex);
    if (request?.type !== MessageType.ReadIndex) throw new Error('no ReadIndex sent');
    hooks.onMessage({ type: MessageType.ReadIndexResp, from: 'n2', to: 'n1', term: 1, context: request.context, index: 0, reject: true });
    const errors = await Promise.all(reads);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(Array.from({ length: 5 }, () => 'RAFT_ERR_NOT_LEADER'));
    expect(node.status().pendingReads).toBe(0);
    await node.stop();
  });
});
