import type { IncomingMessage } from 'node:http';
import { BazaarError, BazaarErrorCode } from '../errors.js';

/**
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
