import { Ajv, type ValidateFunction } from 'ajv';
import type { OpenApiDocument } from './contract-requests.js';

/**
 * What every answer of a node must satisfy (DESIGN.md §4): no 5xx except 503 with Retry-After;
 * every 4xx/5xx body is {"error":{"code":<status>,"message":"..."}} (price routes also "msg",
 * same text); a documented JSON success body matches its response schema.
 */

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Problems with an error answer, or [] when it follows the contract. */
export function errorContractProblems(answer: Answer, withMsg: boolean): string[] {
  const problems: string[] = [];
  if (answer.status >= 500 && answer.status !== 503) problems.push(`status ${answer.status}`);
  if (answer.status === 503 && header(answer, 'retry-after') === undefined) problems.push('503 without Retry-After');
  if (!(header(answer, 'content-type') ?? '').startsWith('application/json')) problems.push(`content-type ${header(answer, 'content-type')}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...problems, `body is not JSON: ${answer.body.slice(0, 120)}`];
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (error?.code !== answer.status) problems.push(`error.code ${String(error?.code)} != status ${answer.status}`);
  if (typeof error?.message !== 'string' || error.message.length === 0) problems.push('error.message missing');
  const msg = (body as { msg?: unknown }).msg;
  if (withMsg && msg !== error?.message) problems.push('"msg" missing or not error.message');
  return problems;
}

/** Compiles the documented response schemas once (openapi.yaml), to check success bodies. */
export class ResponseSchemas {
  private readonly ajv = new Ajv({ strict: false, allErrors: false });
  private readonly compiled = new Map<string, ValidateFunction | null>();

  constructor(private readonly document: OpenApiDocument) {}

  /** null when the body fits (or nothing is documented as JSON for this status); else the problem. */
  check(template: string, method: string, answer: Answer): string | null {
    const key = `${method} ${template} ${answer.status}`;
    if (!this.compiled.has(key)) {
      const schema = this.document.paths[template]?.[method.toLowerCase()]?.responses?.[String(answer.status)]?.content?.['application/json']?.schema;
      this.compiled.set(key, schema === undefined ? null : this.ajv.compile(schema));
    }
    const validate = this.compiled.get(key);
    if (validate === null || validate === undefined) return null;
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return `body is not JSON: ${answer.body.slice(0, 120)}`;
    }
    return validate(body) ? null : `${key}: ${this.ajv.errorsText(validate.errors)}`;
  }
}
