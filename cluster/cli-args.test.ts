import { describe, expect, it } from 'vitest';
import { LEADER_WAIT_MS_DEFAULT, parseCliArgs } from './cli-args.js';

const parse = (...argv: string[]) => parseCliArgs(argv, '/repo');

describe('cluster CLI arguments', () => {
  it('parses each command', () => {
    expect(parse('status')).toEqual({ dataDir: '/repo/data', command: { kind: 'status', json: false } });
    expect(parse('--data-dir', '/d', 'status', '--json').command).toEqual({ kind: 'status', json: true });
    expect(parse('--data-dir', 'x', 'kill', 'n2')).toEqual({ dataDir: '/repo/x', command: { kind: 'kill', node: 'n2' } });
    for (const kind of ['start', 'restart', 'pause', 'resume', 'transfer']) expect(parse(kind, 'n3').command).toEqual({ kind, node: 'n3' });
    expect(parse('partition', 'n1|n2,n3').command).toEqual({ kind: 'partition', spec: 'n1|n2,n3' });
    expect(parse('partition', 'isolate-leader').command).toEqual({ kind: 'partition', spec: 'isolate-leader' });
    expect(parse('cut', 'n1', 'n2').command).toEqual({ kind: 'cut', from: 'n1', to: 'n2' });
    expect(parse('heal').command).toEqual({ kind: 'heal' });
    expect(parse('leader').command).toEqual({ kind: 'leader', waitMs: LEADER_WAIT_MS_DEFAULT });
    expect(parse('leader', '--wait-ms', '0').command).toEqual({ kind: 'leader', waitMs: 0 });
    expect(parse('exchange', '2', '{"down":true}').command).toEqual({ kind: 'exchange', exchange: 2, faults: { down: true } });
    expect(parse('exchange', '3', 'reset').command).toEqual({ kind: 'exchange', exchange: 3, faults: 'reset' });
    expect(parse('redis-kill').command).toEqual({ kind: 'redis-kill' });
    expect(parse('clock', 'n2', '0.25').command).toEqual({ kind: 'clock', node: 'n2', rate: 0.25 });
    expect(parse('--help').command).toEqual({ kind: 'help' });
  });

  it('rejects malformed commands with a clear message', () => {
    expect(() => parse()).toThrow('missing command');
    expect(() => parse('explode')).toThrow('unknown command "explode"');
    expect(() => parse('kill')).toThrow('kill needs a node');
    expect(() => parse('kill', 'n1', 'n2')).toThrow('unexpected argument "n2"');
    expect(() => parse('kill', 'n 1')).toThrow(/not a node id/);
    expect(() => parse('partition')).toThrow(/partition needs groups/);
    expect(() => parse('exchange', 'x', '{}')).toThrow(/exchange number/);
    expect(() => parse('exchange', '1', '{nope')).toThrow(/does not parse/);
    expect(() => parse('exchange', '1', '[1]')).toThrow(/must be an object/);
    expect(() => parse('leader', '--wait-ms', '-1')).toThrow();
    expect(() => parse('status', '--verbose')).toThrow(/verbose/);
    expect(() => parse('clock', 'n1')).toThrow(/clock needs a node and a rate/);
    expect(() => parse('clock', 'n1', 'slow')).toThrow(/clock needs a node and a rate/);
  });
});
