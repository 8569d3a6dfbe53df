import { describe, expect, it } from 'vitest';
import { describeProcessState, parseProcStat } from './process-state.js';

describe('process state', () => {
  it('reads the state and CPU time after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (tsx) x) T 1 4242 4242 0 -1 4194560 100 0 0 0 150 71 0 0 20 0 11 0 5000 0 0';
    expect(parseProcStat(stat)).toBe('stopped (SIGSTOP), 2.21 s CPU');
  });

  it('names an unknown state by its letter and refuses a truncated line', () => {
    expect(parseProcStat('1 (x) I 0 1 1 0 -1 0 0 0 0 0 3 4')).toBe('state I, 0.07 s CPU');
    expect(parseProcStat('1 (x) S 0')).toBeNull();
  });

  it('describes this process as running or sleeping, and a pid that does not exist as null', async () => {
    expect(await describeProcessState(process.pid)).toMatch(/^(running|sleeping), \d+\.\d\d s CPU$/);
    expect(await describeProcessState(2 ** 22 + 1)).toBeNull();
  });
});
