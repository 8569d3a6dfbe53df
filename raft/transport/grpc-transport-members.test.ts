import { afterEach, describe, expect, it } from 'vitest';
import type { GrpcTransport } from './grpc-transport.js';
import { reserveFreePorts } from '../../common/free-port.js';
import { heartbeat, loopback, makeTransport, Recorder, waitFor } from './transport-test-kit.js';

describe('GrpcTransport membership: peers learned and forgotten at run time', () => {
  const open: GrpcTransport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('sends to a peer set after start, and refuses a removed peer', async () => {
    const [portA, portB] = await reserveFreePorts(2);
    const a = makeTransport('n1', portA ?? 0, {});
    const b = makeTransport('n4', portB ?? 0, { n1: portA ?? 0 });
    open.push(a, b);
    const atA = new Recorder();
    const atB = new Recorder();
    await a.start(atA);
    await b.start(atB);

    // n1 has not heard of n4: the message is dropped and reported, nothing throws.
    a.send([heartbeat('n1', 'n4', 1)]);
    expect(atA.unreachable).toEqual(['n4']);
    // n4 was added by a configuration change: n1 learns its address and reaches it.
    a.setPeer('n4', `${loopback}:${portB}`);
    expect(a.peers()).toEqual({ n4: `${loopback}:${portB}` });
    a.send([heartbeat('n1', 'n4', 2)]);
    await waitFor('n4 to hear from n1', () => atB.messages.length === 1);
    expect(atB.messages[0]).toMatchObject({ from: 'n1', to: 'n4', term: 2 });
    // n4 answers: n1 accepts messages from the peer it learned.
    b.send([heartbeat('n4', 'n1', 2)]);
    await waitFor('n1 to hear from n4', () => atA.messages.length === 1);

    // n4 is removed: n1 neither sends to it nor accepts its messages.
    a.removePeer('n4');
    expect(a.peers()).toEqual({});
    b.send([heartbeat('n4', 'n1', 3)]);
    await waitFor('n1 to refuse n4', () => a.stats().rejected['unknown-node'] > 0);
    expect(atA.messages).toHaveLength(1);
    expect(() => a.setPeer('n5', 'no-port')).toThrow(/host:port/);
  });
});
