import { describe, expect, it } from 'vitest';
import { allLinks, completeGroups, formatGroups, linkOfProxy, linksBetweenGroups, parseGroups, proxyName } from './partition.js';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('partition groups', () => {
  it('parses groups split by | and members by ,', () => {
    expect(parseGroups('n1|n2,n3', ['n1', 'n2', 'n3'])).toEqual([['n1'], ['n2', 'n3']]);
    expect(parseGroups(' n1 , n2 | n3 ', ['n1', 'n2', 'n3'])).toEqual([['n1', 'n2'], ['n3']]);
  });

  it('puts unnamed members into one more group', () => {
    expect(parseGroups('n1|n2', ids)).toEqual([['n1'], ['n2'], ['n3', 'n4', 'n5']]);
    expect(parseGroups('n3', ids)).toEqual([['n3'], ['n1', 'n2', 'n4', 'n5']]);
  });

  it('rejects unknown, repeated and empty names, and single groups', () => {
    expect(() => parseGroups('n1|n9', ids)).toThrow(/unknown node "n9"/);
    expect(() => parseGroups('n1|n1,n2', ids)).toThrow(/n1 is named twice/);
    expect(() => parseGroups('n1||n2', ids)).toThrow(/at least one node/);
    expect(() => parseGroups('n1,n2,n3', ['n1', 'n2', 'n3'])).toThrow(/at least two groups/);
    expect(() => completeGroups([['n1', 'n2', 'n3', 'n4', 'n5']], ids)).toThrow(/at least two groups/);
  });

  it('cuts exactly the directed links between different groups', () => {
    const groups = parseGroups('n1,n2|n3', ['n1', 'n2', 'n3']);
    const cut = linksBetweenGroups(groups).map((l) => `${l.from}>${l.to}`).sort();
    expect(cut).toEqual(['n1>n3', 'n2>n3', 'n3>n1', 'n3>n2']);
  });

  it('a partition into singletons cuts every link', () => {
    const groups = ids.map((id) => [id]);
    expect(linksBetweenGroups(groups)).toHaveLength(allLinks(ids).length);
    expect(allLinks(ids)).toHaveLength(20);
  });

  it('names proxies per directed pair and reads the name back', () => {
    expect(proxyName('n1', 'n2')).toBe('n1_to_n2');
    expect(linkOfProxy('n1_to_n2')).toEqual({ from: 'n1', to: 'n2' });
    expect(linkOfProxy('redis')).toBeUndefined();
    expect(formatGroups([['n1'], ['n2', 'n3']])).toBe('n1 | n2,n3');
  });
});
