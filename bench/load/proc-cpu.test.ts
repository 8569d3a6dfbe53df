import { describe, expect, it } from 'vitest';
import { cpuMsPerThousand, processCpuMs, processesCpuMs } from './proc-cpu.js';

describe('process CPU readings', () => {
  it('reads utime + stime after the command name, even one with spaces and parentheses', () => {
    const stat = '4242 (node (main) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0';
    expect(processCpuMs(4242, () => stat)).toBe(3000); // (250 + 50) ticks at 100/s
    expect(processCpuMs(1, () => 'garbage')).toBeNull();
    expect(processCpuMs(1, () => { throw new Error('ENOENT'); })).toBeNull();
  });

  it('sums live processes and reports per 1,000 requests', () => {
    expect(processesCpuMs([-1])).toBeNull();
    if (process.platform === 'linux') expect(processesCpuMs([process.pid, -1])).toBeGreaterThanOrEqual(0);
    expect(cpuMsPerThousand(1000, 3000, 4000)).toBe(500);
    expect(cpuMsPerThousand(null, 3000, 4000)).toBeNull();
    expect(cpuMsPerThousand(1000, 3000, 0)).toBeNull();
    expect(cpuMsPerThousand(1000, 3000, 4000, 1000)).toBe(250); // background subtracted
  });
});
