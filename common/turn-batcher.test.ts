import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.js';

/** Pure batching logic over a recording send (the real paths: prices.slow.test.ts, bazaar-rpc-forward.test.ts). */
function recorder(values: Record<string, string>, fail = false): { calls: string[][]; send: (keys: string[]) => Promise<(string | null)[]> } {
  const calls: string[][] = [];
  return {
    calls,
    send: (keys) => {
      calls.push([...keys]);
      return fail ? Promise.reject(new Error('redis down')) : Promise.resolve(keys.map((k) => values[k] ?? null));
    },
  };
}

describe('TurnBatcher', () => {
  it('sends the calls of one turn as one batch and answers each with its own result', async () => {
    const r = recorder({ a: '1', b: '2' });
    const batcher = new TurnBatcher(r.send, 256);
    const answers = await Promise.all([batcher.add('a'), batcher.add('b'), batcher.add('missing'), batcher.add('a')]);
    expect(answers).toEqual(['1', '2', null, '1']);
    expect(r.calls).toEqual([['a', 'b', 'missing', 'a']]);
    expect(await batcher.add('b')).toBe('2');
    expect(r.calls).toHaveLength(2);
  });

  it('splits at itemsMax', async () => {
    const r = recorder({ a: '1' });
    const batcher = new TurnBatcher(r.send, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => batcher.add(k)));
    expect(r.calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(() => new TurnBatcher(r.send, 0)).toThrow('itemsMax must be an integer >= 1, got 0');
  });

  it('fails every call of a failed batch', async () => {
    const batcher = new TurnBatcher(recorder({}, true).send, 256);
    const settled = await Promise.allSettled([batcher.add('a'), batcher.add('b')]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('fails every call of a batch answered with the wrong number of results', async () => {
    const batcher = new TurnBatcher<string, string>(() => Promise.resolve(['only one']), 256);
    const settled = await Promise.allSettled([batcher.add('a'), batcher.add('b')]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/batch of 2 was answered with 1 results/);
  });
});
