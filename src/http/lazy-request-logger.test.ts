import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger } from './lazy-request-logger.js';

function capture(level: string): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

describe('LazyRequestLogger', () => {
  it('builds no pino child while nothing is logged, then one child with the bindings', () => {
    const { logger, lines } = capture('info');
    const child = vi.spyOn(logger, 'child');
    const lazy = new LazyRequestLogger(logger, { reqId: 'r1', term: 3 }, {});
    lazy.debug('below the level');
    expect(child).not.toHaveBeenCalled();
    expect(lazy.level).toBe('info');
    lazy.info({ code: 'X' }, 'first');
    lazy.warn('second');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l['msg'], l['reqId'], l['term'], l['code']])).toEqual([
      ['first', 'r1', 3, 'X'],
      ['second', 'r1', 3, undefined],
    ]);
  });

  it('honours a per-route level from the child options', () => {
    const { logger, lines } = capture('info');
    const quiet = new LazyRequestLogger(logger, { reqId: 'r2' }, { level: 'error' });
    expect(quiet.level).toBe('error');
    expect(quiet.isLevelEnabled('warn')).toBe(false);
    quiet.warn('dropped');
    quiet.error('kept');
    expect(lines.map((l) => l['msg'])).toEqual(['kept']);
  });
});
