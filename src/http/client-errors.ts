import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { BazaarErrorCode, describeCode, type DescribedError } from '../errors.js';
import { errorBody } from './http-errors.js';
import { HTTP_HEAD_BYTES_MAX } from './http-limits.js';

/**
 * Errors raised below Fastify, by Node's HTTP parser and server (malformed request lines and
 * headers, oversized heads, header/request timeouts, unsupported Expect), answered with the
 * contract's error body and logged at info: they are the client's fault, never the node's.
 */

/** Client-error codes of Node's parser/server and what they mean for the client. */
export function describeParserError(code: string | undefined): DescribedError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return describeCode(BazaarErrorCode.HeadersTooLarge, `request line and headers must fit in ${HTTP_HEAD_BYTES_MAX} bytes`);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return describeCode(BazaarErrorCode.RequestTimeout, 'request not received in time');
    case 'HPE_INVALID_METHOD':
      return describeCode(BazaarErrorCode.InvalidRequest, 'malformed request: unknown method');
    case 'HPE_INVALID_URL':
      return describeCode(BazaarErrorCode.InvalidRequest, 'malformed request: invalid characters in the URL (percent-encode them)');
    case 'HPE_INVALID_HEADER_TOKEN':
      return describeCode(BazaarErrorCode.InvalidRequest, 'malformed request: invalid character in a header');
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return describeCode(BazaarErrorCode.InvalidRequest, 'malformed request: invalid Content-Length');
    default:
      return describeCode(BazaarErrorCode.InvalidRequest, `malformed request (${code ?? 'parse error'})`);
  }
}

function rawResponse(described: DescribedError): string {
  const body = JSON.stringify(errorBody(described.status, described.message, false));
  return (
    `HTTP/1.1 ${described.status} ${STATUS_CODES[described.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** Whether a response already started on this socket (then nothing more may be written). */
function responseStarted(socket: Socket): boolean {
  const message = (socket as unknown as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return message?.headersSent === true;
}

/** Fastify's `clientErrorHandler`: contract body, info-level log, connection closed. */
export function clientErrorHandler(log: FastifyBaseLogger): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || socket.destroyed || !socket.writable || responseStarted(socket)) {
      log.debug({ code: error.code }, 'client connection ended mid-request');
      socket.destroy();
      return;
    }
    const described = describeParserError(error.code);
    log.info({ code: error.code, status: described.status }, `client error: ${described.message}`);
    socket.end(rawResponse(described));
  };
}

/** The server's 'checkExpectation' listener: an Expect other than 100-continue is a 417 with the contract body. */
export function expectationFailed(log: FastifyBaseLogger): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const described = describeCode(BazaarErrorCode.ExpectationFailed, 'only "Expect: 100-continue" is supported');
    log.info({ expect: request.headers.expect, status: described.status }, `client error: ${described.message}`);
    const body = JSON.stringify(errorBody(described.status, described.message, false));
    response.writeHead(described.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  };
}
