/**
 * scripts/system-deps.sh, run by `npm test` first: with the system packages present it passes;
 * without them it installs them as root through apt-get, or else stops at once with one line
 * naming the exact install command. Run against a PATH of stubs, so nothing is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['redis-server', 'docker-compose', 'chromium', 'faketime'];
/** What the script itself runs (besides the packages it looks for). */
const TOOLS = ['id'];
const BASH = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A fresh directory of new files only (written with flag 'wx', never through an existing path):
 * wrappers that exec the real tools the script uses, and stub scripts for the rest.
 */
async function stubPath(present: readonly string[], extra: (dir: string) => Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-system-deps-'));
  dirs.push(dir);
  const scripts: Record<string, string> = {};
  for (const tool of TOOLS) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!real.startsWith('/')) throw new Error(`${tool} not found`);
    scripts[tool] = `exec ${real} "$@"`;
  }
  for (const name of present) scripts[name] = 'exit 0';
  Object.assign(scripts, extra(dir));
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(dir, name), `#!${BASH}\n${body}\n`, { flag: 'wx', mode: 0o755 });
  }
  return dir;
}

/** `fontDir`: where the script looks for the screenshot font (the stub dir itself: present). */
function runScript(path: string, fontDir = path): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(BASH, [join(root, 'scripts/system-deps.sh')], { env: { PATH: path, SYSTEM_DEPS_FONT_DIR: fontDir }, encoding: 'utf8', timeout: 30_000 });
}

describe('scripts/system-deps.sh', () => {
  it('passes when every package is on PATH', async () => {
    const run = runScript(await stubPath(PACKAGES, () => ({ id: 'echo 1000' })));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('without root or apt-get: one line naming the exact install command, exit 1', async () => {
    const run = runScript(await stubPath(['redis-server', 'faketime'], () => ({ id: 'echo 1000' })));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      'npm test needs docker-compose chromium on PATH: run `sudo apt-get install -y --no-install-recommends docker-compose chromium` (Debian/Ubuntu), then npm test again',
    ]);
  });

  it('as root with apt-get: installs exactly the missing packages', async () => {
    const dir = await stubPath(['docker-compose', 'chromium'], (at) => ({ id: 'echo 0', 'apt-get': `echo "$@" >> ${join(at, 'apt.log')}` }));
    const run = runScript(dir, join(dir, 'no-such-font-dir'));
    expect(run.status, run.stderr).toBe(0);
    const calls = (await readFile(join(dir, 'apt.log'), 'utf8')).trim().split('\n');
    expect(calls).toEqual(['update -qq', 'install -y -qq --no-install-recommends redis-server faketime fonts-dejavu-core']);
  });
});
