import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commentStart, expectation, missingKeys, readmeCommands, shiftPorts } from './readme-commands.js';

const sample = [
  '## REST API',
  '```sh',
  "curl 'http://127.0.0.1:8080/hello?name=Ada'   # Hello, Ada!",
  "curl -X POST http://127.0.0.1:8180/orders -H 'content-type: application/json' \\",
  `     -H 'Idempotency-Key: a#1' -d '{"name":"x"}'`,
  '                                              # {"data":{"transaction_number":1}}',
  'echo not a command',
  "curl http://127.0.0.1:8080/nope               # 404 {\"error\":{\"code\",\"message\"}}",
  '```',
  '### Other',
  '```sh',
  'curl http://127.0.0.1:8080/skipped',
  '```',
].join('\n');

describe('README commands', () => {
  it('finds curl and cluster commands of the tested sections, joins continuations, attaches comments', () => {
    const commands = readmeCommands(sample);
    expect(commands.map((c) => [c.line, c.command, c.comment])).toEqual([
      [3, "curl 'http://127.0.0.1:8080/hello?name=Ada'", 'Hello, Ada!'],
      [4, `curl -X POST http://127.0.0.1:8180/orders -H 'content-type: application/json' -H 'Idempotency-Key: a#1' -d '{"name":"x"}'`, '{"data":{"transaction_number":1}}'],
      [8, 'curl http://127.0.0.1:8080/nope', '404 {"error":{"code","message"}}'],
    ]);
    expect(commentStart("curl 'a#b' -d \"c #d\" # e")).toBe(21);
  });

  it('reads the expected status and shape and checks keys', () => {
    const e = expectation('404 {"error":{"code","message"},"msg"} trailing words');
    expect(e).toEqual({ status: 404, shape: { error: { code: null, message: null }, msg: null }, text: 'trailing words' });
    expect(missingKeys(e.shape ?? {}, { error: { code: 404 }, msg: 'x' })).toEqual(['error.message']);
    expect(expectation('Hello, Ada!')).toEqual({ status: null, shape: null, text: 'Hello, Ada!' });
    expect(shiftPorts('curl http://127.0.0.1:8180/x localhost:8080', 1000)).toBe('curl http://127.0.0.1:9180/x localhost:9080');
  });

  it('finds commands in the real README (each section has some)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const commands = readmeCommands(readme);
    expect(commands.filter((c) => c.command.startsWith('curl')).length).toBeGreaterThan(5);
    expect(commands.filter((c) => c.command.startsWith('npm run cluster')).length).toBeGreaterThan(5);
    for (const c of commands) expect(() => expectation(c.comment), `README line ${c.line}`).not.toThrow();
  });
});
