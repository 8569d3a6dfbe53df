import fc from 'fast-check';

/**
 * Raw-socket requests for the contract fuzz: malformed request lines and headers, oversized
 * heads and bodies, smuggling-shaped framing, and partial bodies the client abandons. Each case
 * says whether the server must answer (a complete request always gets an answer).
 */

export interface RawCase {
  readonly label: string;
  readonly bytes: Buffer;
  /** false: the client gives up mid-request (partial body/head), no answer is expected. */
  readonly expectAnswer: boolean;
}

const head = (line: string, ...headers: string[]): string => `${line}\r\nHost: x\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const ORDER = JSON.stringify({ name: 'aapl', quantity: 1, type: 'BUY' });

export const FIXED_RAW_CASES: readonly RawCase[] = [
  { label: 'raw UTF-8 in the URL', bytes: Buffer.from(head('GET /prices/\u00e9\u212a HTTP/1.1'), 'utf8'), expectAnswer: true },
  { label: 'control char in Idempotency-Key', bytes: latin1(head('POST /orders HTTP/1.1', 'Idempotency-Key: a\x01b', 'Content-Length: 0')), expectAnswer: true },
  { label: 'Content-Length: -1', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Length: -1')), expectAnswer: true },
  { label: 'two Content-Lengths', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Length: 1', 'Content-Length: 2') + 'ab'), expectAnswer: true },
  { label: 'Content-Length with Transfer-Encoding', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Length: 3', 'Transfer-Encoding: chunked') + '0\r\n\r\n'), expectAnswer: true },
  { label: 'bad chunk size', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked') + 'zz\r\n{}\r\n0\r\n\r\n'), expectAnswer: true },
  { label: 'lower-case method', bytes: latin1(head('get /health HTTP/1.1')), expectAnswer: true },
  { label: 'unknown method', bytes: latin1(head('FROB /health HTTP/1.1')), expectAnswer: true },
  { label: 'space in the path', bytes: latin1(head('GET /he alth HTTP/1.1')), expectAnswer: true },
  { label: 'HTTP/2 preface', bytes: latin1('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), expectAnswer: true },
  { label: 'HTTP/9.9', bytes: latin1(head('GET /health HTTP/9.9')), expectAnswer: true },
  { label: 'NUL in the path', bytes: latin1(head('GET /hea\x00lth HTTP/1.1')), expectAnswer: true },
  { label: 'header without colon', bytes: latin1(head('GET /health HTTP/1.1', 'NoColonHere')), expectAnswer: true },
  { label: 'headers over 16 KiB', bytes: latin1(head('GET /health HTTP/1.1', `X-Pad: ${'a'.repeat(17_000)}`)), expectAnswer: true },
  { label: 'URL over 16 KiB', bytes: latin1(head(`GET /stocks?stockname=${'a'.repeat(17_000)} HTTP/1.1`)), expectAnswer: true },
  { label: 'Expect: foo', bytes: latin1(head('POST /orders HTTP/1.1', 'Expect: foo', 'Content-Length: 0')), expectAnswer: true },
  { label: 'oversized body', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 40000') + `{"pad":"${'x'.repeat(39_990)}"}`), expectAnswer: true },
  { label: 'gzip body', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Type: application/json', 'Content-Encoding: gzip', `Content-Length: ${ORDER.length}`) + ORDER), expectAnswer: true },
  { label: 'two Idempotency-Keys', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Type: application/json', 'Idempotency-Key: a', 'Idempotency-Key: b', `Content-Length: ${ORDER.length}`) + ORDER), expectAnswer: true },
  { label: 'partial body abandoned', bytes: latin1(head('POST /orders HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 100') + '{"name"'), expectAnswer: false },
  { label: 'partial head abandoned', bytes: latin1('POST /orders HTTP/1.1\r\nHost: x\r\nContent-Ty'), expectAnswer: false },
  { label: 'partial chunked body abandoned', bytes: latin1(head('POST /refresh/aapl HTTP/1.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked') + '10\r\n{"a'), expectAnswer: false },
];

const token = fc.stringMatching(/^[!-~]{0,12}$/);
const anyChars = fc.string({ maxLength: 24, unit: 'binary-ascii' }).map((s) => s.replace(/\r\n/g, ' '));

/** Generated request heads: method, target, version and headers drawn from valid and invalid characters. */
export function generatedRawCases(): fc.Arbitrary<RawCase> {
  const method = fc.oneof(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'get', 'G E T', ''), token);
  const target = fc.oneof(fc.constantFrom('/health', '/stocks?stockname=aapl', '/orders', '/prices/btcusdt', '/refresh/aapl', '*', ''), token.map((t) => `/${t}`), anyChars.map((t) => `/${t}`));
  const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/1.1 ', 'HTTP/1', 'http/1.1', '');
  const header = fc.oneof(fc.tuple(token, anyChars).map(([n, v]) => `${n}: ${v}`), anyChars);
  return fc.tuple(method, target, version, fc.array(header, { maxLength: 4 })).map(([m, t, v, hs]) => ({
    label: `generated ${JSON.stringify(`${m} ${t} ${v}`)}`,
    bytes: latin1(`${m} ${t} ${v}\r\nHost: x\r\nConnection: close\r\n${hs.map((h) => `${h}\r\n`).join('')}Content-Length: 0\r\n\r\n`),
    expectAnswer: true,
  }));
}
