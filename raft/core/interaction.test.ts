import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InteractionEnv } from './testing/interaction-env.js';

/**
 * Runs every raft/core/testdata/*.txt transcript. `REWRITE=1 npx vitest run raft/core/interaction`
 * regenerates the expected output (review the diff before committing it).
 */
const dir = join(import.meta.dirname, 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

interface Block {
  command: string;
  expected: string;
}

function parse(text: string): { blocks: Block[]; comments: Map<number, string[]> } {
  const blocks: Block[] = [];
  const comments = new Map<number, string[]>();
  const lines = text.split('\n');
  let i = 0;
  let pendingComments: string[] = [];
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '' ) { i++; continue; }
    if (line.startsWith('#')) { pendingComments.push(line); i++; continue; }
    const command = line;
    i++;
    if (lines[i] !== '----') throw new Error(`expected ---- after "${command}" (line ${i + 1})`);
    i++;
    const out: string[] = [];
    while (i < lines.length && (lines[i] ?? '') !== '') { out.push(lines[i] ?? ''); i++; }
    if (pendingComments.length > 0) comments.set(blocks.length, pendingComments);
    pendingComments = [];
    blocks.push({ command, expected: out.join('\n') });
  }
  return { blocks, comments };
}

describe('raft interaction transcripts', () => {
  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const { blocks, comments } = parse(readFileSync(path, 'utf8'));
      const env = new InteractionEnv();
      const rewritten: string[] = [];
      for (const [n, block] of blocks.entries()) {
        const [cmd, ...args] = block.command.trim().split(/\s+/);
        const actual = env.run(cmd ?? '', args);
        for (const c of comments.get(n) ?? []) rewritten.push(c);
        rewritten.push(block.command, '----', actual, '');
        if (process.env['REWRITE'] !== '1') {
          expect(actual, `${file}: ${block.command}`).toBe(block.expected);
        }
      }
      if (process.env['REWRITE'] === '1') writeFileSync(path, rewritten.join('\n'));
    });
  }
});
