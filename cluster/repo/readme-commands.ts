/**
 * The commands README.md shows, for the README test (pure). From the `sh` blocks of the chosen
 * sections: every `curl` and `npm run cluster` command (continuation lines joined), with its
 * trailing comment, or a comment alone on the next line. The comment says what to expect: an
 * optional leading status (`404 ...`; otherwise any 2xx), then optionally a JSON shape whose
 * keys must be in the body (`{"data":{"name","price"}}`); a comment without a shape is the
 * exact body when that body is short text (`# Hello, Ada!`).
 */
export interface ReadmeCommand {
  readonly section: string;
  readonly line: number;
  readonly command: string;
  readonly comment: string;
}

export interface Expectation {
  readonly status: number | null;
  /** Keys the JSON body must have (nested), or null. */
  readonly shape: KeyTree | null;
  /** The comment's text, without status and shape. */
  readonly text: string;
}

export interface KeyTree {
  readonly [key: string]: KeyTree | null;
}

const COMMAND_PATTERN = /^(curl |npm run cluster -- )/;
export const README_SECTIONS_TESTED = ['REST API', 'Running the cluster'] as const;

/** Index of the `#` that starts a trailing comment (outside quotes, after whitespace), or -1. */
export function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return i;
    }
  }
  return -1;
}

function splitComment(line: string): { code: string; comment: string } {
  const at = commentStart(line);
  return at < 0 ? { code: line.trimEnd(), comment: '' } : { code: line.slice(0, at).trimEnd(), comment: line.slice(at + 1).trim() };
}

/** The `sh` code blocks under each `##`/`###` heading whose title contains one of `sections`. */
function codeBlocks(markdown: string, sections: readonly string[]): { section: string; line: number; text: string }[] {
  const lines = markdown.split('\n');
  const out: { section: string; line: number; text: string }[] = [];
  let section = '';
  let inBlock = false;
  for (const [index, line] of lines.entries()) {
    const heading = /^(##|###) (.*)$/.exec(line);
    if (!inBlock && heading !== null) section = (heading[2] ?? '').trim();
    if (line.startsWith('```')) {
      inBlock = !inBlock && line.trim() === '```sh';
      continue;
    }
    if (inBlock && sections.some((name) => section.includes(name))) out.push({ section, line: index + 1, text: line });
  }
  return out;
}

/** The text of each `sh` block under headings containing `section`, in order. */
export function readmeBlocks(markdown: string, section: string): string[] {
  const blocks: string[] = [];
  let lastLine = -2;
  for (const { line, text } of codeBlocks(markdown, [section])) {
    if (line !== lastLine + 1) blocks.push('');
    blocks[blocks.length - 1] += `${text}\n`;
    lastLine = line;
  }
  return blocks;
}

export function readmeCommands(markdown: string, sections: readonly string[] = README_SECTIONS_TESTED): ReadmeCommand[] {
  const commands: { section: string; line: number; command: string; comment: string }[] = [];
  let pending: { section: string; line: number; code: string } | null = null;
  for (const { section, line, text } of codeBlocks(markdown, sections)) {
    const { code, comment } = splitComment(text);
    if (pending !== null) {
      const continued = code.endsWith('\\');
      pending.code += ` ${code.replace(/\\$/, '').trim()}`;
      if (continued) continue;
      commands.push({ section, line: pending.line, command: pending.code.trim(), comment });
      pending = null;
      continue;
    }
    if (code.trim() === '' && comment !== '') {
      const last = commands.at(-1);
      if (last !== undefined && last.comment === '') last.comment = comment;
      continue;
    }
    if (!COMMAND_PATTERN.test(code.trim())) continue;
    if (code.endsWith('\\')) {
      pending = { section, line, code: code.replace(/\\$/, '').trim() };
      continue;
    }
    commands.push({ section, line, command: code.trim(), comment });
  }
  return commands;
}

/** `{"data":{"name","price"}}` -> { data: { name: null, price: null } }; values are ignored. */
export function parseShape(text: string): KeyTree {
  const json = text.replace(/"([^"]*)"(?=\s*[,}])/g, '"$1":null');
  const value: unknown = JSON.parse(json);
  const toTree = (node: unknown): KeyTree | null =>
    typeof node === 'object' && node !== null && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).map(([key, child]) => [key, toTree(child)]))
      : null;
  const tree = toTree(value);
  if (tree === null) throw new Error(`not a JSON object shape: ${text}`);
  return tree;
}

function balancedObject(text: string): string | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

export function expectation(comment: string): Expectation {
  const status = /^(\d{3})\b/.exec(comment);
  const rest = status === null ? comment : comment.slice(status[0].length).trim();
  const object = balancedObject(rest);
  return {
    status: status === null ? null : Number(status[1]),
    shape: object === null ? null : parseShape(object),
    text: object === null ? rest : rest.replace(object, '').trim(),
  };
}

/** Keys of `shape` missing from `body` (dotted paths). */
export function missingKeys(shape: KeyTree, body: unknown, path = ''): string[] {
  if (typeof body !== 'object' || body === null) return Object.keys(shape).map((key) => `${path}${key}`);
  return Object.entries(shape).flatMap(([key, child]) => {
    if (!(key in body)) return [`${path}${key}`];
    return child === null ? [] : missingKeys(child, (body as Record<string, unknown>)[key], `${path}${key}.`);
  });
}

/** Shift every `127.0.0.1:<port>` / `localhost:<port>` by `offset` (README's ports are --base-port 8080's). */
export function shiftPorts(command: string, offset: number): string {
  return command.replace(/\b(127\.0\.0\.1|localhost):(\d{4,5})\b/g, (_, host: string, port: string) => `${host}:${Number(port) + offset}`);
}
