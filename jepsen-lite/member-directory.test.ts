import { describe, expect, it } from 'vitest';
import { MemberDirectory } from './member-directory.js';

describe('MemberDirectory', () => {
  it('follows removals and additions, keeping URLs of members that left', () => {
    const d = new MemberDirectory({ n1: 'http://127.0.0.1:1', n2: 'http://127.0.0.1:2', n3: 'http://127.0.0.1:3' });
    d.remove('n2');
    expect(d.members()).toEqual(['n1', 'n3']);
    expect(d.url('n2')).toBe('http://127.0.0.1:2');
    d.add('m4', 'http://127.0.0.1:4');
    d.add('m4', 'http://127.0.0.1:4');
    expect(d.members()).toEqual(['n1', 'n3', 'm4']);
    expect(d.url('nx')).toBeUndefined();
  });

  it('refuses bad URLs and removing the last member', () => {
    expect(() => new MemberDirectory({ n1: 'http://127.0.0.1:1/path' })).toThrow(/no path/);
    const d = new MemberDirectory({ n1: 'http://127.0.0.1:1' });
    expect(() => d.remove('n1')).toThrow(/last member/);
  });
});
