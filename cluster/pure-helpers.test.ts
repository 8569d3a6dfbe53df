import { describe, expect, it } from 'vitest';
import { leaderLine, leadershipChanged } from './leader-watch.js';
import { lastLines } from './log-tail.js';
import { parseClusterInfo, pickLeader, type ClusterInfo } from './node-api.js';
import { formatTable } from './tables.js';

const info = (nodeId: string, role: string, term: number, commitIndex = 0): ClusterInfo => ({
  nodeId,
  role,
  term,
  leader: role === 'leader' ? nodeId : null,
  commitIndex,
  appliedIndex: commitIndex,
  peers: [],
});

describe('leader picking', () => {
  it('takes the leader of the highest term', () => {
    expect(pickLeader([info('n1', 'leader', 3, 9), info('n2', 'follower', 3, 8)])).toEqual({ leader: 'n1', term: 3, commitIndex: 9 });
  });

  it('ignores a deposed leader that has not seen the newer term', () => {
    expect(pickLeader([info('n1', 'leader', 3), info('n2', 'leader', 4, 5), info('n3', 'follower', 4)]).leader).toBe('n2');
    expect(pickLeader([info('n1', 'leader', 3), info('n2', 'candidate', 4)])).toMatchObject({ leader: null, term: 4 });
    expect(pickLeader([])).toEqual({ leader: null, term: 0, commitIndex: 0 });
  });

  it('parses GET /cluster bodies and rejects malformed ones', () => {
    const body = { node_id: 'n2', role: 'Leader', term: 4, leader: 'n2', commit_index: 10, applied_index: 9, peers: [] };
    expect(parseClusterInfo(body)).toEqual({ nodeId: 'n2', role: 'leader', term: 4, leader: 'n2', commitIndex: 10, appliedIndex: 9, peers: [] });
    expect(parseClusterInfo({ ...body, leader: null }).leader).toBeNull();
    const peers = [{ id: 'n1', match_index: 10, role: 'voter' }, { id: 'n4', match_index: null, role: 'learner' }];
    expect(parseClusterInfo({ ...body, peers }).peers).toEqual([{ id: 'n1', role: 'voter', matchIndex: 10 }, { id: 'n4', role: 'learner', matchIndex: null }]);
    expect(() => parseClusterInfo({ ...body, peers: [{ id: 'n1', role: 'voter', match_index: '10' }] })).toThrow(/match_index/);
    expect(() => parseClusterInfo({ ...body, peers: {} })).toThrow(/peers is not an array/);
    expect(() => parseClusterInfo({ ...body, term: '4' })).toThrow(/term/);
    expect(() => parseClusterInfo('x')).toThrow(/not a JSON object/);
  });
});

describe('leader watch lines', () => {
  it('reports only leader or term changes', () => {
    const a = { leader: 'n1', term: 2, commitIndex: 5 };
    expect(leadershipChanged(null, a)).toBe(true);
    expect(leadershipChanged(a, { ...a, commitIndex: 99 })).toBe(false);
    expect(leadershipChanged(a, { ...a, term: 3 })).toBe(true);
    expect(leadershipChanged(a, { ...a, leader: null })).toBe(true);
    expect(leaderLine(a, Date.UTC(2026, 0, 1, 12, 0, 1, 5))).toBe('[12:00:01.005] leader n1, term 2, commit 5');
    expect(leaderLine({ leader: null, term: 3, commitIndex: 5 }, 0)).toContain('no leader (term 3, commit 5)');
  });
});

describe('text helpers', () => {
  it('keeps the last lines of a log', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
    expect(lastLines('a\nb', 5)).toBe('a\nb');
    expect(lastLines('', 3)).toBe('');
  });

  it('aligns table columns', () => {
    expect(formatTable(['a', 'bb'], [['xxx', 'y']])).toBe('a    bb\n---  --\nxxx  y');
  });
});
