import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../core/types.js';
import { MemoryLogStorage, newLogDisk } from '../storage/memory-log-storage.js';
import type { TransportHooks } from '../transport/transport.js';
import { silentLogger } from './raft-logger.js';
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
});
