import type { IncomingMessage } from 'node:http';
import { BazaarError, BazaarErrorCode } from '../errors.js';

/**
 * Request header checks done before routing (from the app's onRequest hook).
 *
 * Headers that carry one value. Node joins repeated unknown headers with ", " (two
 * Idempotency-Key headers would silently become one key "a, b"): a repeat is a 400 instead.
 * Route modules that read another single-valued header add it here.
 */
export const SINGLE_VALUE_HEADERS: readonly string[] = ['idempotency-key', 'x-cluster-token', 'x-request-id', 'authorization', 'last-event-id'];

const SINGLE_VALUE_SET: ReadonlySet<string> = new Set(SINGLE_VALUE_HEADERS);

export function rejectRepeatedHeaders(raw: IncomingMessage): void {
  const raws = raw.rawHeaders;
  const seen = new Set<string>();
  for (let i = 0; i < raws.length; i += 2) {
    const name = (raws[i] ?? '').toLowerCase();
    if (!SINGLE_VALUE_SET.has(name)) continue;
    if (seen.has(name)) throw new BazaarError(BazaarErrorCode.InvalidRequest, `header ${name} must appear at most once`);
    seen.add(name);
  }
}

/** Bodies are read as sent: a Content-Encoding other than identity (gzip, br, ...) is a 415, not bytes that fail to parse. */
export function rejectEncodedBodies(raw: IncomingMessage): void {
  const encoding = raw.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return;
  throw new BazaarError(BazaarErrorCode.UnsupportedMediaType, `content-encoding ${JSON.stringify(encoding.slice(0, 32))} is not supported: send an unencoded body`);
}
