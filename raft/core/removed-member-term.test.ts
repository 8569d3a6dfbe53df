import { describe, expect, it } from 'vitest';
import { ConfChangeType } from './conf-change.js';
import { TestCluster } from './testing/test-cluster.js';
import { type Message, MessageType, Role } from './types.js';

/**
 * A member removed while cut off never hears of its removal: it times out and campaigns to ever
 * higher terms, unheard. An append the leader sent it before the removal, delayed in the
 * network, then reaches it, and it answers with its higher term (a lower-term append is answered
 * so a deposed leader learns the new term). That answer must not depose the leader that removed
 * it (simulator seed 226: CheckQuorum without PreVote); a current member's higher term still does.
 */
describe('a higher term from a removed member', () => {
  function clusterWithDelayedAppend(): { c: TestCluster; leader: string; gone: string; delayed: Message } {
    const c = new TestCluster(3, { seed: 5, config: { preVote: false, checkQuorum: true } });
    const leader = c.waitLeader();
    c.stabilize();
    const gone = c.ids.find((id) => id !== leader) as string;
    expect(c.propose(leader, 'before-removal').ok).toBe(true);
    c.processReadies();
    const delayed = c.inflight.find((m) => m.to === gone && m.type === MessageType.Append) as Message;
    expect(delayed).toBeDefined();
    c.inflight = c.inflight.filter((m) => m !== delayed);
    c.isolate(gone);
    expect(c.core(leader).proposeConfChange({ type: ConfChangeType.Remove, node: gone }).ok).toBe(true);
    c.stabilize();
    expect(c.core(leader).status().voters).not.toContain(gone);
    const removalIndex = c.core(leader).status().confIndex;
    expect(c.core(leader).status().commit).toBeGreaterThanOrEqual(removalIndex);
    c.tick(40, [gone]);
    expect(c.core(gone).status().term).toBeGreaterThan(c.core(leader).status().term);
    c.heal();
    return { c, leader, gone, delayed };
  }

  it('answering a delayed append, it does not depose the leader that removed it', () => {
    const { c, leader, gone, delayed } = clusterWithDelayedAppend();
    const term = c.core(leader).status().term;
    c.deliver(delayed);
    c.processReadies();
    const answer = c.inflight.find((m) => m.from === gone && m.type === MessageType.AppendResp);
    expect(answer?.term).toBeGreaterThan(term);
    c.stabilize();
    expect(c.core(leader).status()).toMatchObject({ role: Role.Leader, term });
  });

  it('a current member\'s higher term still deposes the leader', () => {
    const { c, leader } = clusterWithDelayedAppend();
    const term = c.core(leader).status().term;
    const member = c.ids.find((id) => id !== leader && c.core(leader).status().voters.includes(id)) as string;
    c.deliver({ type: MessageType.AppendResp, from: member, to: leader, term: term + 5, reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
    expect(c.core(leader).status()).toMatchObject({ role: Role.Follower, term: term + 5 });
  });
});
