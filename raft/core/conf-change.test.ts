import { describe, expect, it } from 'vitest';
import { applyConfChange, confChangeProblem, ConfChangeType, decodeConfEntry, encodeConfEntry, type ConfState } from './conf-change.js';

const base: ConfState = { voters: ['n1', 'n2', 'n3'], learners: ['n4'], addresses: { n4: '127.0.0.1:1' } };

describe('single-server configuration changes', () => {
  it('refuses changes that do not apply to the configuration in effect', () => {
    expect(confChangeProblem(base, { type: ConfChangeType.AddLearner, node: 'n2' })).toMatch(/already a member/);
    expect(confChangeProblem(base, { type: ConfChangeType.AddLearner, node: '' })).toMatch(/non-empty/);
    expect(confChangeProblem(base, { type: ConfChangeType.Promote, node: 'n1' })).toMatch(/not a learner/);
    expect(confChangeProblem(base, { type: ConfChangeType.Remove, node: 'n9' })).toMatch(/not a member/);
    const one: ConfState = { voters: ['n1'], learners: [], addresses: {} };
    expect(confChangeProblem(one, { type: ConfChangeType.Remove, node: 'n1' })).toMatch(/last voter/);
    expect(confChangeProblem(base, { type: 'bogus' as ConfChangeType, node: 'n5' })).toMatch(/unknown change type/);
  });

  it('adds, promotes and removes one member at a time, carrying addresses', () => {
    const added = applyConfChange(base, { type: ConfChangeType.AddLearner, node: 'n5', address: 'h:5' });
    expect(added).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4', 'n5'], addresses: { n4: '127.0.0.1:1', n5: 'h:5' } });
    const promoted = applyConfChange(added, { type: ConfChangeType.Promote, node: 'n4' });
    expect(promoted.voters).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(promoted.learners).toEqual(['n5']);
    const removed = applyConfChange(promoted, { type: ConfChangeType.Remove, node: 'n4' });
    expect(removed).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n5'], addresses: { n5: 'h:5' } });
  });

  it('round-trips an entry and rejects a malformed one', () => {
    const entry = { change: { type: ConfChangeType.Remove, node: 'n2' }, conf: base };
    expect(decodeConfEntry(encodeConfEntry(entry))).toEqual(entry);
    expect(() => decodeConfEntry(new TextEncoder().encode('{"change":{"node":"n1"}}'))).toThrow(/malformed/);
  });
});
