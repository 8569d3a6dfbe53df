import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupervisedChild } from './supervised-child.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'supervised-child-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SupervisedChild readiness', () => {
  it('names the process state and the last probe error when the child never gets ready, and kills it', async () => {
    const exits: string[] = [];
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:9', { cause: new Error('socket hang up') });
    const child = new SupervisedChild(
      {
        name: 'sleeper',
        command: 'sleep',
        args: ['30'],
        env: process.env,
        cwd: dir,
        logFile: join(dir, 'sleeper.log'),
        ready: () => Promise.reject(new TypeError('fetch failed', { cause: refused })),
        readyTimeoutMs: 300,
      },
      (exit) => exits.push(`${exit.signal ?? exit.code} expected=${exit.expected}`),
    );
    await expect(child.start()).rejects.toThrow(
      /^sleeper: not ready after 300 ms \(waited \d{3,} ms, \d+ probes; process sleeping, \d+\.\d\d s CPU; last probe error: TypeError: fetch failed <- Error: connect ECONNREFUSED 127\.0\.0\.1:9 <- Error: socket hang up\); log /,
    );
    expect(exits).toEqual(['SIGKILL expected=true']);
    expect(child.view().state).toBe('down');
  });
});
