import { describe, expect, it } from 'vitest';
import type { WireHeader } from './codec.js';
import { HeaderAuthenticator } from './header-auth.js';
import { RejectReason, TransportRejection } from './rejection.js';

const auth = new HeaderAuthenticator('cluster-a', 'token-123456', 'n2', new Set(['n1', 'n3']));
const good: WireHeader = { clusterId: 'cluster-a', token: 'token-123456', from: 'n1', to: 'n2', senderEpoch: 'e', seq: 1, seqFloor: 1 };

function reasonOf(header: WireHeader, check: (h: WireHeader) => void = (h) => auth.verify(h)): string | null {
  try {
    check(header);
    return null;
  } catch (error) {
    if (!(error instanceof TransportRejection)) throw error;
    return error.reason;
  }
}

describe('HeaderAuthenticator', () => {
  it('accepts a header from a peer to this node', () => {
    expect(reasonOf(good)).toBeNull();
  });

  it.each([
    [{ clusterId: 'cluster-b' }, RejectReason.WrongCluster],
    [{ token: 'token-12345' }, RejectReason.BadToken],
    [{ token: '' }, RejectReason.BadToken],
    [{ from: 'n9' }, RejectReason.UnknownNode],
    [{ from: 'n2' }, RejectReason.UnknownNode],
    [{ to: 'n3' }, RejectReason.WrongRecipient],
  ])('rejects %o as %s', (change, reason) => {
    expect(reasonOf({ ...good, ...change })).toBe(reason);
  });
});

describe('HeaderAuthenticator.verifyFollowing (later batches of a stream)', () => {
  const following = (h: WireHeader): void => auth.verifyFollowing(good, h);

  it('accepts a later header of the same sender, whatever its seq fields', () => {
    expect(reasonOf({ ...good, seq: 0, seqFloor: 0, senderEpoch: 'other' }, following)).toBeNull();
  });

  it.each([
    [{ clusterId: 'cluster-b' }, RejectReason.WrongCluster],
    [{ token: 'token-12345' }, RejectReason.BadToken],
    [{ from: 'n3' }, RejectReason.Malformed],
    [{ from: 'n9' }, RejectReason.Malformed],
    [{ to: 'n3' }, RejectReason.WrongRecipient],
  ])('rejects %o as %s', (change, reason) => {
    expect(reasonOf({ ...good, ...change }, following)).toBe(reason);
  });
});
