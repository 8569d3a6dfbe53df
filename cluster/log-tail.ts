import { open } from 'node:fs/promises';

/** Read at most this many bytes from a log's end. */
export const LOG_TAIL_BYTES_MAX = 16 * 1024;
export const LOG_TAIL_LINES_DEFAULT = 20;

/** The last `lines` lines of a file (empty string if it does not exist). */
export async function tailFile(path: string, lines = LOG_TAIL_LINES_DEFAULT): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_BYTES_MAX);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return lastLines(buffer.toString('utf8'), lines);
  } finally {
    await handle.close();
  }
}

export function lastLines(text: string, lines: number): string {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all.slice(-lines).join('\n');
}
