import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BazaarErrorCode, describeCode, describeError, isBazaarErrorCode, type DescribedError } from '../errors.js';

/**
 * Turning errors into the contract's error bodies: `{"error":{"code":<status>,"message":"..."}}`,
 * plus `"msg"` (same text) on price routes, and Retry-After on 503. Fastify's own request errors
 * (validation, content type, body size, malformed JSON) are 4xx with a message naming the problem.
 */

/** Routes whose error bodies also carry "msg" (the price seed's clients read it). */
const MSG_ROUTE_PREFIXES = ['/prices', '/refresh'];

export interface ErrorBody {
  readonly error: { readonly code: number; readonly message: string; readonly executed?: boolean };
  readonly msg?: string;
}

export function errorBody(status: number, message: string, withMsg: boolean, executed?: boolean): ErrorBody {
  const error = executed === undefined ? { code: status, message } : { code: status, message, executed };
  return withMsg ? { error, msg: message } : { error };
}

function wantsMsg(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? request.url;
  const config = request.routeOptions.config as { errorMsg?: unknown } | undefined;
  return config?.errorMsg === true || MSG_ROUTE_PREFIXES.some((prefix) => url.startsWith(prefix));
}

export function sendDescribed(request: FastifyRequest, reply: FastifyReply, described: DescribedError): FastifyReply {
  if (described.retryAfterSeconds !== null) reply.header('retry-after', String(described.retryAfterSeconds));
  return reply
    .code(described.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(described.status, described.message, wantsMsg(request), described.executed));
}

interface AjvError {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
  readonly parentSchema?: { description?: unknown };
}

export function validationMessage(error: FastifyError): string {
  const first = (error.validation?.[0] ?? {}) as AjvError;
  const where = `${error.validationContext ?? 'request'}${first.instancePath ?? ''}`;
  const extra = first.params?.['additionalProperty'];
  if (typeof extra === 'string') return `${where} has unknown field "${extra}"`;
  const missing = first.params?.['missingProperty'];
  if (typeof missing === 'string') return `${where} must have field "${missing}"`;
  const description = first.parentSchema?.description;
  if ((first.keyword === 'pattern' || first.keyword === 'maxLength' || first.keyword === 'minLength') && typeof description === 'string') {
    return `${where} must be ${description}`;
  }
  return `${where} ${first.message ?? 'is invalid'}`;
}

/** Longest framework message echoed to a client (they may quote a 16 KiB URL). */
export const FRAMEWORK_MESSAGE_LENGTH_MAX = 200;

export function clipMessage(message: string): string {
  return message.length <= FRAMEWORK_MESSAGE_LENGTH_MAX ? message : `${message.slice(0, FRAMEWORK_MESSAGE_LENGTH_MAX)}...`;
}

function frameworkDescription(status: number, error: FastifyError): DescribedError {
  switch (status) {
    case 413:
      return describeCode(BazaarErrorCode.PayloadTooLarge, 'request body too large');
    case 415:
      return describeCode(BazaarErrorCode.UnsupportedMediaType, 'unsupported content-type or content-encoding: send application/json');
    case 408:
      return describeCode(BazaarErrorCode.RequestTimeout, 'request body not received in time');
    default:
      return describeCode(BazaarErrorCode.InvalidRequest, clipMessage(`malformed request: ${error.message}`));
  }
}

/**
 * A request error Fastify or its body parser raised (4xx: validation, content type, body size,
 * malformed or forbidden JSON, aborted body), or null if `error` is not one. Errors with a code
 * of the service's table are not framework errors: describeError maps them.
 */
export function describeFrameworkError(error: FastifyError): DescribedError | null {
  if (error.validation !== undefined) return describeCode(BazaarErrorCode.InvalidRequest, validationMessage(error));
  const status = error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500 || isBazaarErrorCode(error.code)) return null;
  return frameworkDescription(status, error);
}

export function describeAny(error: unknown): DescribedError {
  if (typeof error === 'object' && error !== null) {
    const framework = describeFrameworkError(error as FastifyError);
    if (framework !== null) return framework;
  }
  return describeError(error);
}
