/**
 * Node versions that are true: package.json `engines`, the Dockerfile's image and the Node that
 * runs the tests (CI's) agree, and no locked dependency asks for another Node (what `npm ci`
 * reports as EBADENGINE; cookie@2 wanted Node 22).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  dev?: boolean;
}

const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockPackage> };

describe('Node version', () => {
  it('runs the tests on a Node that package.json engines admits', () => {
    expect(semver.satisfies(process.version, engines), `node ${process.version} vs engines ${engines}`).toBe(true);
  });

  it('builds the image on the same Node major and minimum', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)-/m.exec(read('Dockerfile'));
    if (image === null) throw new Error('Dockerfile has no ARG NODE_IMAGE=node:<major>.<minor>-...');
    const version = `${image[1]}.${image[2]}.0`;
    expect(semver.satisfies(version, engines), `Dockerfile node ${version} vs engines ${engines}`).toBe(true);
    const froms = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(froms.length).toBeGreaterThan(0);
    expect(froms.every((from) => from === '${NODE_IMAGE}'), `FROM lines: ${froms.join(', ')}`).toBe(true);
  });

  it('locks no dependency whose engines exclude the Node we run (no EBADENGINE from npm ci)', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        if (range === undefined || semver.satisfies(process.version, range)) return [];
        return [`${path.replace(/^.*node_modules\//, '')}@${entry.version ?? '?'} wants node ${range}`];
      });
    expect(refusing).toEqual([]);
  });
});
