import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** Raw-socket HTTP for tests: send exact bytes, read what the server answers until it closes. */

export interface RawResponse {
  /** null when the server closed without answering. */
  readonly status: number | null;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** ms from connect to close. */
  readonly elapsedMs: number;
}

export function parseRawResponse(text: string, elapsedMs: number): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { status: null, headers: {}, body: text, elapsedMs };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  const rest = text.slice(end + 4);
  return { status: Number(statusLine?.split(' ')[1]), headers, body: Number.isFinite(length) ? rest.slice(0, length) : rest, elapsedMs };
}

/** A whole response with a Content-Length body has arrived. */
function isComplete(text: string): boolean {
  const parsed = parseRawResponse(text, 0);
  const length = Number(parsed.headers['content-length'] ?? NaN);
  return parsed.status !== null && Number.isFinite(length) && Buffer.byteLength(text.slice(text.indexOf('\r\n\r\n') + 4)) >= length;
}

/**
 * Connect, write `request` (string as latin1 bytes, or a Buffer), and collect until a whole
 * response arrived (or, with `untilClose`, until the server closes), or `waitMs` passes; the
 * socket is destroyed then.
 */
export function rawRequest(port: number, request: string | Buffer, waitMs = 5_000, options: { untilClose?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks).toString('utf8'), Date.now() - started));
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.untilClose !== true && isComplete(Buffer.concat(chunks).toString('utf8'))) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** A pino logger that keeps every line, to assert on levels (50 = error). */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export function errorLines(lines: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((line) => typeof line['level'] === 'number' && line['level'] >= 50);
}
