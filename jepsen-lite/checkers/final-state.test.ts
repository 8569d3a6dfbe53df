import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../testing/history-builder.js';
import { checkFinalState } from './final-state.js';

const opts = { initialQuantities: { aapl: 100 }, nodes: ['n1', 'n2'] };

function run(finals: [string, number][], setup: (b: HistoryBuilder) => HistoryBuilder = (b) => b) {
  const b = setup(new HistoryBuilder().buy(0, 'aapl', 10).filled(0, 1).sell(0, 'aapl', 4).filled(0, 2)).phase('final');
  for (const [node, q] of finals) b.read(1, 'aapl', node).readOk(1, q);
  return checkFinalState(b.build(), opts);
}

describe('final-state checker', () => {
  it('accepts every node at initial - filled buys + sells', () => {
    expect(run([['n1', 94], ['n2', 94]]).verdict).toBe('valid');
  });

  it('flags nodes that disagree', () => {
    const r = run([['n1', 94], ['n2', 90]]);
    expect(r.verdict).toBe('invalid');
    expect(r.summary).toContain('disagree');
  });

  it('flags a lost write in the final state', () => {
    expect(run([['n1', 90], ['n2', 90]]).verdict).toBe('invalid');
  });

  it('allows what an indeterminate trade may or may not have done', () => {
    const withInfo = (b: HistoryBuilder) => b.sell(2, 'aapl', 7).info(2);
    expect(run([['n1', 94], ['n2', 94]], withInfo).verdict).toBe('valid');
    expect(run([['n1', 101], ['n2', 101]], withInfo).verdict).toBe('valid');
    expect(run([['n1', 100], ['n2', 100]], withInfo).verdict).toBe('invalid');
  });

  it('is unknown when a node gave no final read, or there is no final phase', () => {
    expect(run([['n1', 94]]).verdict).toBe('unknown');
    const noFinal = new HistoryBuilder().read(0, 'aapl', 'n1').readOk(0, 100).build();
    expect(checkFinalState(noFinal, opts).verdict).toBe('unknown');
  });
});
