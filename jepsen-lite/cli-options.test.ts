import { describe, expect, it } from 'vitest';
import { parseCli } from './cli-options.js';

describe('jepsen CLI options', () => {
  it('parses a full command line', () => {
    const cli = parseCli(['--nemesis', 'partition,kill', '--time-limit', '20', '--rate', '80', '--concurrency', '8', '--keys', '3', '--seed', '42', '--consistency', 'stale'], 7);
    expect(cli.mode).toBe('run');
    if (cli.mode !== 'run') return;
    expect(cli.run).toMatchObject({ faults: ['partition', 'kill'], timeLimitMs: 20_000, ratePerSec: 80, concurrency: 8, seed: 42, consistency: 'stale', name: 'partition-kill' });
    expect(cli.keysCount).toBe(3);
    expect(cli.attach).toBe(false);
  });

  it('expands all, defaults the seed, and handles --attach, --help and --recheck', () => {
    const cli = parseCli(['--nemesis', 'all', '--attach', '--data-dir', 'd'], 7);
    if (cli.mode !== 'run') throw new Error('expected run');
    expect(cli.run.faults).toEqual(['partition', 'kill', 'pause', 'redis', 'exchange']);
    expect(cli.run.seed).toBe(7);
    expect(cli).toMatchObject({ attach: true, dataDir: 'd' });
    expect(parseCli(['--help'], 1)).toEqual({ mode: 'help' });
    expect(parseCli(['--recheck', 'x'], 1)).toEqual({ mode: 'recheck', dir: 'x' });
  });

  it('parses the clock nemesis options: rates drawn and the fresh cluster\'s read mode', () => {
    const cli = parseCli(['--nemesis', 'clock', '--clock-rate', '0.25,0.1', '--read-mode', 'read-index'], 7);
    if (cli.mode !== 'run') throw new Error('expected run');
    expect(cli.run.clockRates).toEqual([0.25, 0.1]);
    expect(cli.readMode).toBe('read-index');
    const defaults = parseCli(['--nemesis', 'clock'], 7);
    if (defaults.mode !== 'run') throw new Error('expected run');
    expect(defaults.run.clockRates).toEqual([0.9, 1.1]);
    expect(defaults.readMode).toBeNull();
  });

  it.each([
    [['--nemesis', 'flood'], /unknown fault "flood"/],
    [['--clock-rate', '0'], /clock rates must be numbers in 0\.05\.\.20/],
    [['--clock-rate', 'slow'], /--clock-rate must be a number/],
    [['--read-mode', 'quorum'], /--read-mode must be lease or read-index/],
    [['--attach', '--read-mode', 'lease'], /--read-mode applies to a fresh cluster/],
    [['--rate', 'fast'], /--rate must be a number/],
    [['--concurrency', '0'], /concurrency must be an integer in 1\.\.200/],
    [['--time-limit', '0.5'], /time limit \(ms\) must be an integer in 1000/],
    [['--consistency', 'eventual'], /--consistency must be linearizable or stale/],
    [['--nodes', '4'], /--nodes must be 3 or 5/],
    [['--keys', '0'], /keys must be an integer in 1\.\.100/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--attach', '--nodes', '5'], /--nodes applies to a fresh cluster/],
    [['--rate', '10000', '--time-limit', '3600'], /rate x time limit must stay under/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv, 1)).toThrow(message);
  });
});
