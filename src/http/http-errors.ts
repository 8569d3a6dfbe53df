import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BazaarErrorCode, describeError, type DescribedError } from '../errors.js';

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

/** A Fastify request error (4xx it raised itself), or null if `error` is not one. */
export function describeFrameworkError(error: FastifyError): DescribedError | null {
  if (error.validation !== undefined) {
    return { status: 400, code: BazaarErrorCode.InvalidRequest, message: validationMessage(error), retryAfterSeconds: null };
  }
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500 || typeof error.code !== 'string' || !error.code.startsWith('FST_')) {
    return null;
  }
  const code =
    status === 413
      ? BazaarErrorCode.PayloadTooLarge
      : status === 415
        ? BazaarErrorCode.UnsupportedMediaType
        : BazaarErrorCode.InvalidRequest;
  const message =
    status === 413 ? 'request body too large' : status === 415 ? 'unsupported content-type: send application/json' : error.message;
  return { status, code, message, retryAfterSeconds: null };
}

export function describeAny(error: unknown): DescribedError {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const framework = describeFrameworkError(error as FastifyError);
    if (framework !== null) return framework;
  }
  if (typeof error === 'object' && error !== null && 'validation' in error) {
    return describeFrameworkError(error as FastifyError) ?? describeError(error);
  }
  return describeError(error);
}
