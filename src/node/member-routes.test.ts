import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../http/app-test-kit.js';
import { RaftDriverErrorCode, RaftError } from '../../raft/index.js';

/** The admin member routes over the production app builder (Raft side stubbed; end to end: cluster/member-replace.slow.test.ts). */
describe('admin member routes', () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('needs the cluster token and validates bodies with contract errors', async () => {
    const calls: string[] = [];
    t = await startTestApp({ members: { addLearner: (id, address) => (calls.push(`add ${id} ${address}`), Promise.resolve({ index: 9 })) } });
    const app = t.app;
    const token = { 'x-cluster-token': t.adminToken };
    const wrong = await app.inject({ method: 'GET', url: '/cluster/members', headers: { 'x-cluster-token': 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: { code: 401, message: 'x-cluster-token does not match' } });
    const missing = await app.inject({ method: 'POST', url: '/cluster/members', payload: { id: 'n4', address: '127.0.0.1:9380' } });
    expect(missing.statusCode).toBe(400);
    const noAddress = await app.inject({ method: 'POST', url: '/cluster/members', headers: token, payload: { id: 'n4' } });
    expect(noAddress.statusCode).toBe(400);
    expect(noAddress.json().error.message).toMatch(/address/);
    const badId = await app.inject({ method: 'POST', url: '/cluster/members', headers: token, payload: { id: 'n 4', address: '127.0.0.1:1' } });
    expect(badId.statusCode).toBe(400);
    expect(calls).toEqual([]);

    const list = await app.inject({ method: 'GET', url: '/cluster/members', headers: token });
    expect(list.json()).toEqual({ data: { leader: 'n1', conf_index: 0, members: [{ id: 'n1', role: 'voter', address: '127.0.0.1:1', match_index: 1 }] } });
    const added = await app.inject({ method: 'POST', url: '/cluster/members', headers: token, payload: { id: 'n4', address: '127.0.0.1:9380' } });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toEqual({ data: { index: 9 } });
    expect(calls).toEqual(['add n4 127.0.0.1:9380']);
  });

  it('PUT /cluster/peers/{id}: dials a member at another address (token, validated body)', async () => {
    const calls: string[] = [];
    t = await startTestApp({ members: { dialPeer: (id, address) => void calls.push(`${id} ${address}`) } });
    const token = { 'x-cluster-token': t.adminToken };
    const noToken = await t.app.inject({ method: 'PUT', url: '/cluster/peers/n4', payload: { address: '127.0.0.1:5' } });
    expect(noToken.statusCode).toBe(400);
    const wrong = await t.app.inject({ method: 'PUT', url: '/cluster/peers/n4', headers: { 'x-cluster-token': 'nope' }, payload: { address: '127.0.0.1:5' } });
    expect(wrong.statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'PUT', url: '/cluster/peers/n4', headers: token, payload: { address: 'no port' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe(400);
    expect(calls).toEqual([]);
    const ok = await t.app.inject({ method: 'PUT', url: '/cluster/peers/n4', headers: token, payload: { address: '127.0.0.1:5' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ data: { id: 'n4', address: '127.0.0.1:5' } });
    expect(calls).toEqual(['n4 127.0.0.1:5']);
  });

  it('maps Raft refusals: invalid change 409, change in flight 503 with Retry-After', async () => {
    t = await startTestApp({
      members: {
        promote: () => Promise.reject(new RaftError(RaftDriverErrorCode.LearnerNotCaughtUp, 'RAFT_ERR_LEARNER_NOT_CAUGHT_UP: n4 holds entries up to 3')),
        remove: () => Promise.reject(new RaftError(RaftDriverErrorCode.ConfChangeInProgress, 'RAFT_ERR_CONF_CHANGE_IN_PROGRESS: change at 7')),
      },
    });
    const token = { 'x-cluster-token': t.adminToken };
    const promote = await t.app.inject({ method: 'POST', url: '/cluster/members', headers: token, payload: { id: 'n4', role: 'voter' } });
    expect(promote.statusCode).toBe(409);
    expect(promote.json().error.message).toMatch(/n4 holds entries up to 3/);
    const remove = await t.app.inject({ method: 'DELETE', url: '/cluster/members/n2', headers: token });
    expect(remove.statusCode).toBe(503);
    expect(remove.headers['retry-after']).toBeDefined();
  });
});
