/**
 * README.md and docs/ stand on their own in a clone: every markdown link and every `path`
 * in backticks that names a file resolves inside the repository and exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** Relative paths a document refers to: markdown link targets, and backticked paths with a slash or a file extension. */
function references(text: string): string[] {
  const links = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((match) => match[1] ?? '');
  const ticked = [...text.matchAll(/`(\.{0,2}\/?[\w.-]+(?:\/[\w.-]+)*\.(?:md|ts|json|yaml|yml|csv|sh))`/g)].map((match) => match[1] ?? '');
  return [...links, ...ticked].filter((ref) => !/^[a-z]+:/.test(ref));
}

describe('README.md and docs/', () => {
  it('have the architecture and the REST contract', () => {
    expect(existsSync(join(root, 'docs/architecture.md'))).toBe(true);
    expect(existsSync(join(root, 'docs/rest-contract.md'))).toBe(true);
  });

  it('refer only to files inside the repository that exist', () => {
    const broken: string[] = [];
    for (const document of documents) {
      for (const ref of references(readFileSync(join(root, document), 'utf8'))) {
        const fromDocument = resolve(root, dirname(document), ref);
        const fromRoot = resolve(root, ref);
        const inside = (path: string): boolean => !relative(root, path).startsWith('..');
        if (!(inside(fromDocument) && existsSync(fromDocument)) && !(inside(fromRoot) && existsSync(fromRoot))) broken.push(`${document}: ${ref}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
