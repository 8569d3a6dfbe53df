import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation: JSON bodies are checked as sent (no type coercion, no removal of extra
 * fields, no defaults: `"quantity":"3"` is a 400), while the query string, path parameters and
 * headers, which are text on the wire, are coerced to the schema's scalar types (`limit=5` is the
 * integer 5). A repeated query parameter arrives as an array and fails a scalar schema: 400.
 */

const SHARED_OPTIONS: Options = { removeAdditional: false, useDefaults: false, allErrors: false, verbose: true, strict: false };

export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = new Ajv({ ...SHARED_OPTIONS, coerceTypes: false });
  const text = new Ajv({ ...SHARED_OPTIONS, coerceTypes: true });
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as object);
}
