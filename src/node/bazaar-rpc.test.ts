import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RpcAuth } from './bazaar-rpc.js';

/** RpcAuth checks Bazaar RPC headers with the Raft transport's HeaderAuthenticator (one peer header check). */

const TOKEN = randomBytes(16).toString('hex');
const members = new Set(['n1', 'n2', 'n3']);

describe('RpcAuth', () => {
  it('accepts the header a member builds, and rejects every wrong field with its reason', () => {
    const n1 = new RpcAuth('c', TOKEN, 'n1', members);
    const n2 = new RpcAuth('c', TOKEN, 'n2', members);
    const good = n2.header('n1');
    expect(n1.check(good)).toBeNull();
    expect(n1.check(null)).toBe('missing header');
    expect(n1.check({ ...good, token: `${TOKEN}x` })).toMatch(/token does not match/);
    expect(n1.check({ ...good, cluster_id: 'other' })).toMatch(/cluster id does not match/);
    expect(n1.check({ ...good, from: 'n9' })).toMatch(/not a peer/);
    expect(n1.check({ ...good, from: 'n1' })).toMatch(/not a peer/);
    expect(n1.check({ ...good, to: 'n3' })).toMatch(/this node is n1/);
    expect(n1.check({} as never)).toMatch(/does not match/);
  });
});
