/**
 * Every command-line tool of package.json answers `--help` with its usage (exit 0), and refuses
 * an unknown option with one plain line naming it (exit non-zero, no stack trace). Run as real
 * processes, the way `npm run <script> -- --help` runs them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const scripts = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
const TOOLS = ['sim', 'sim:mutants', 'bench', 'bench:compare', 'bench:raft', 'bench:refresh', 'cluster', 'jepsen'];
const TOOL_TIMEOUT_MS = 30_000;

/** The script's `tsx <entry>` (what npm runs), with `args`. */
async function tool(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = scripts[name];
  const entry = script?.match(/^tsx (\S+\.ts)$/)?.[1];
  if (entry === undefined) throw new Error(`package.json script ${name} is not "tsx <entry>.ts": ${script}`);
  try {
    const { stdout, stderr } = await run(`${root}node_modules/.bin/tsx`, [entry, ...args], { cwd: root, timeout: TOOL_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('command-line tools', () => {
  for (const name of TOOLS) {
    it(`npm run ${name} -- --help prints its usage; an unknown option is one plain error`, { timeout: 2 * TOOL_TIMEOUT_MS }, async () => {
      const help = await tool(name, ['--help']);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^usage: npm run /i);
      const bad = await tool(name, ['--no-such-option']);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/no-such-option/);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
