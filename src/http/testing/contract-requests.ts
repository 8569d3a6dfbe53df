import fc from 'fast-check';
import { anyValue, type SchemaHints } from './schema-arbitrary.js';

/**
 * Requests generated from openapi.yaml: for every documented operation, its path parameters,
 * query, headers and JSON body from the schemas (anyValue: mostly conforming, sometimes junk),
 * sometimes with another method, another content type or a raw non-JSON body.
 */

type Schema = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema?: Schema;
}

interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: Schema }> };
  readonly responses?: Record<string, { readonly content?: Record<string, { readonly schema?: Schema }> }>;
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
}

export interface FuzzRequest {
  readonly method: string;
  /** Path and query string, percent-encoded. */
  readonly path: string;
  /** The openapi path template the request was generated from. */
  readonly template: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  /** For POST /orders: the JSON body as generated (to account for executed trades). */
  readonly json: unknown;
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'];
/** Header values must be sendable by the client library: visible ASCII and spaces, no CR/LF. */
const HEADER_VALUE = /^[\x20-\x7e]*$/;

function queryString(entries: readonly [string, unknown][]): string {
  const parts: string[] = [];
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function valueArbitrary(parameter: Parameter, hints: SchemaHints): fc.Arbitrary<unknown> {
  const value = anyValue(parameter.schema ?? { type: 'string' }, hints);
  return parameter.required === true && parameter.in === 'path' ? value : fc.option(value, { nil: undefined, freq: 4 });
}

function bodyArbitrary(operation: Operation, hints: SchemaHints): fc.Arbitrary<{ body: string | null; json: unknown; contentType: string | null }> {
  const schema = operation.requestBody?.content?.['application/json']?.schema;
  const json = schema === undefined ? fc.constant(undefined) : anyValue(schema, hints);
  const raw = fc.oneof(fc.constantFrom('', '{', '{"__proto__":{}}', 'null', '[]', 'a=1&b=2', '{"constructor":{"prototype":{}}}'), fc.string({ maxLength: 40 }));
  return fc.oneof(
    { arbitrary: json.map((value) => ({ body: value === undefined ? null : JSON.stringify(value), json: value, contentType: value === undefined ? null : 'application/json' })), weight: 6 },
    { arbitrary: fc.tuple(raw, fc.constantFrom(...CONTENT_TYPES)).map(([body, contentType]) => ({ body, json: undefined, contentType })), weight: 1 },
  );
}

function operationArbitrary(template: string, method: string, operation: Operation, hints: SchemaHints): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  const values = fc.tuple(...parameters.map((p) => valueArbitrary(p, hints)));
  const methodArbitrary = fc.oneof({ arbitrary: fc.constant(method.toUpperCase()), weight: 9 }, { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 });
  return fc.tuple(values, bodyArbitrary(operation, hints), methodArbitrary).map(([vals, body, chosenMethod]) => {
    let path = template;
    const query: [string, unknown][] = [];
    const headers: Record<string, string> = {};
    parameters.forEach((p, i) => {
      const v = vals[i];
      const text = typeof v === 'string' ? v : JSON.stringify(v ?? '');
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text));
      else if (p.in === 'query') query.push([p.name, v]);
      else if (v !== undefined && HEADER_VALUE.test(text)) headers[p.name] = text;
    });
    if (body.contentType !== null) headers['content-type'] = body.contentType;
    return { method: chosenMethod, path: `${path}${queryString(query)}`, template, headers, body: body.body, json: body.json };
  });
}

/**
 * Operations drawn more often than the others: the trade is the one state-changing route the
 * fuzz checks state against, so its share must not shrink each time an admin route is added
 * (with 26 operations, equal weights left a seed with 14 executed trades in 3,000 requests).
 */
export const OPERATION_WEIGHTS: Readonly<Record<string, number>> = { 'POST /orders': 3 };

/** One arbitrary over every operation of the document, equally likely unless OPERATION_WEIGHTS says otherwise. */
export function contractRequests(document: OpenApiDocument, hints: SchemaHints): fc.Arbitrary<FuzzRequest> {
  const operations: { arbitrary: fc.Arbitrary<FuzzRequest>; weight: number }[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const weight = OPERATION_WEIGHTS[`${method.toUpperCase()} ${template}`] ?? 1;
      operations.push({ arbitrary: operationArbitrary(template, method, operation, hints), weight });
    }
  }
  return fc.oneof(...operations);
}
