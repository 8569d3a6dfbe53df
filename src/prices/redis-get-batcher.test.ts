import { describe, expect, it } from 'vitest';
import { RedisGetBatcher } from './redis-get-batcher.js';

/** Pure batching logic over a recording MGET (the real Redis path runs in prices.slow.test.ts). */
function recorder(values: Record<string, string>, fail = false): { calls: string[][]; mget: (keys: string[]) => Promise<(string | null)[]> } {
  const calls: string[][] = [];
  return {
    calls,
    mget: (keys) => {
      calls.push([...keys]);
      return fail ? Promise.reject(new Error('redis down')) : Promise.resolve(keys.map((k) => values[k] ?? null));
    },
  };
}

describe('RedisGetBatcher', () => {
  it('sends the GETs of one turn as one MGET and answers each with its own value', async () => {
    const r = recorder({ a: '1', b: '2' });
    const batcher = new RedisGetBatcher(r as never);
    const answers = await Promise.all([batcher.get('a'), batcher.get('b'), batcher.get('missing'), batcher.get('a')]);
    expect(answers).toEqual(['1', '2', null, '1']);
    expect(r.calls).toEqual([['a', 'b', 'missing', 'a']]);
    expect(await batcher.get('b')).toBe('2');
    expect(r.calls).toHaveLength(2);
  });

  it('splits at keysMax', async () => {
    const r = recorder({ a: '1' });
    const batcher = new RedisGetBatcher(r as never, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => batcher.get(k)));
    expect(r.calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(() => new RedisGetBatcher(r as never, 0)).toThrow('keysMax must be an integer >= 1, got 0');
  });

  it('fails every GET of a failed MGET', async () => {
    const batcher = new RedisGetBatcher(recorder({}, true) as never);
    const settled = await Promise.allSettled([batcher.get('a'), batcher.get('b')]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });
});
