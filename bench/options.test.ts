import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loopbackOrigin } from './load/loopback.js';
import { cliErrorText, parseBenchArgs, phaseMs, UsageError } from './options.js';
import { tierConnections } from './scenarios/prices-tiers.js';

describe('bench options', () => {
  it('defaults to managed mode on free ports; attach targets default to 8080, 8180, 8280', () => {
    const o = parseBenchArgs(['stocks-read', '--seed', '5']);
    expect(o).toMatchObject({ scenario: 'stocks-read', attach: false, basePort: null, seed: 5, durationS: 10, connections: null, cache: null });
    expect(o.targets).toEqual(['http://127.0.0.1:8080', 'http://127.0.0.1:8180', 'http://127.0.0.1:8280']);
    expect(o.exchangeUrls).toEqual(['http://127.0.0.1:8081', 'http://127.0.0.1:8082', 'http://127.0.0.1:8083']);
  });

  it('--target implies --attach; --base-port shifts the defaults', () => {
    const o = parseBenchArgs(['trades', '--target', 'http://localhost:9000', '--target', 'http://127.0.0.1:9100/', '--cache', 'off']);
    expect(o.attach).toBe(true);
    expect(o.targets).toEqual(['http://localhost:9000', 'http://127.0.0.1:9100']);
    expect(o.cache).toBe(false);
    expect(parseBenchArgs(['x', '--attach', '--base-port', '10080']).targets[2]).toBe('http://127.0.0.1:10280');
    expect(parseBenchArgs(['x', '--base-port', '10080']).basePort).toBe(10080);
    expect(parseBenchArgs(['x', '--proxy', 'off']).proxy).toBe('off');
    expect(parseBenchArgs(['x']).proxy).toBe(null);
    expect(parseBenchArgs(['x']).only).toBe('all');
    expect(parseBenchArgs(['x', '--only', 'reads']).only).toBe('reads');
    expect(parseBenchArgs(['--help']).help).toBe(true);
    expect(parseBenchArgs(['-h']).help).toBe(true);
    expect(parseBenchArgs(['x']).help).toBe(false);
  });

  it('rejects bad values with precise messages', () => {
    expect(() => parseBenchArgs(['x', '--duration-s', '0'])).toThrow('--duration-s must be an integer in 1..1800, got "0"');
    expect(() => parseBenchArgs(['x', '--connections', '2.5'])).toThrow(/--connections must be an integer/);
    expect(() => parseBenchArgs(['x', '--cache', 'maybe'])).toThrow(/--cache must be "on" or "off"/);
    expect(() => parseBenchArgs(['x', '--proxy', 'maybe'])).toThrow('--proxy must be one of on, off, both, got "maybe"');
    expect(() => parseBenchArgs(['x', '--only', 'writes'])).toThrow('--only must be one of reads, trades, all, got "writes"');
    expect(() => parseBenchArgs(['x', '--target', 'http://10.0.0.5:8080'])).toThrow(/not a loopback address/);
    expect(() => parseBenchArgs(['x', '--bogus'])).toThrow(/bogus/);
    expect(() => parseBenchArgs(['a', 'b'])).toThrow(/one scenario at a time/);
    // Every refusal is a usage error: the CLIs print its message, not a stack.
    for (const argv of [['x', '--bogus'], ['x', '--duration-s', '0'], ['a', 'b']]) expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(cliErrorText(new UsageError('--seed must be an integer'))).toBe('--seed must be an integer');
    expect(cliErrorText(new Error('socket hang up'))).toMatch(/^Error: socket hang up\n\s+at /);
  });

  it('splits the smoke 10 s across phases and uses --duration-s otherwise', () => {
    expect(phaseMs({ smoke: true, durationS: 30 }, 4)).toBe(2500);
    expect(phaseMs({ smoke: true, durationS: 30 }, 100)).toBe(500);
    expect(phaseMs({ smoke: false, durationS: 30 }, 4)).toBe(30_000);
  });

  it('recognizes loopback hosts only', () => {
    expect(['127.0.0.1', '127.9.8.7', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '192.168.1.1', 'example.com', '128.0.0.1', '::2'].some(isLoopbackHost)).toBe(false);
    expect(() => loopbackOrigin('http://127.0.0.1:8080/stocks')).toThrow(/without path/);
  });

  it('scales the seed JMeter plan 1800/1200/800 proportionally', () => {
    expect(tierConnections(380)).toEqual({ hot: 180, medium: 120, cold: 80 });
    expect(tierConnections(3)).toEqual({ hot: 1, medium: 1, cold: 1 });
  });
});
