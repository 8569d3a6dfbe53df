import { ApiError, ApiErrors } from './api-error.js';
import { findToxicDefinition } from './toxics/registry.js';
import type { ToxicAttributes, ToxicDefinition } from './toxics/toxic-stage.js';

export type StreamDirection = 'upstream' | 'downstream';

/** A toxic as configured on a proxy (what the API shows). */
export interface ToxicSpec {
  readonly name: string;
  readonly type: string;
  readonly stream: StreamDirection;
  /** Probability in [0, 1] that a connection gets the toxic. */
  readonly toxicity: number;
  readonly attributes: ToxicAttributes;
  readonly definition: ToxicDefinition;
}

/** The JSON shape of a toxic, field order as real Toxiproxy prints it. */
export function toxicToJson(spec: ToxicSpec): Record<string, unknown> {
  return {
    attributes: spec.attributes,
    name: spec.name,
    type: spec.type,
    stream: spec.stream,
    toxicity: spec.toxicity,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(detail: string): ApiError {
  return ApiError.join(ApiErrors.badRequestBody, detail);
}

function parseStream(raw: unknown): StreamDirection {
  if (raw === undefined) return 'downstream';
  if (typeof raw !== 'string') throw bad('stream must be a string');
  const lower = raw.toLowerCase();
  if (lower === 'upstream' || lower === 'downstream') return lower;
  throw ApiErrors.invalidStream;
}

function parseToxicity(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !(raw >= 0 && raw <= 1)) throw bad('toxicity must be a number in [0, 1]');
  return raw;
}

function parseAttributes(
  definition: ToxicDefinition,
  raw: unknown,
  base: ToxicAttributes | undefined,
  attributeMax: number,
): ToxicAttributes {
  if (raw !== undefined && raw !== null && !isRecord(raw)) throw bad('attributes must be an object');
  const attributes: Record<string, number> = {};
  for (const name of definition.attributeNames) {
    const value = raw?.[name] ?? base?.[name] ?? 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > attributeMax) {
      throw bad(`attribute ${name} of ${definition.type} must be an integer in [0, ${attributeMax}]`);
    }
    attributes[name] = value;
  }
  return attributes;
}

/** Parses the body of POST /proxies/{proxy}/toxics; defaults as in real Toxiproxy. */
export function parseToxicCreate(body: unknown, attributeMax: number): ToxicSpec {
  if (!isRecord(body)) throw bad('expected a JSON object');
  const stream = parseStream(body['stream']);
  const type = body['type'];
  if (type !== undefined && typeof type !== 'string') throw bad('type must be a string');
  const nameRaw = body['name'];
  if (nameRaw !== undefined && nameRaw !== null && typeof nameRaw !== 'string') throw bad('name must be a string');
  const name = typeof nameRaw === 'string' && nameRaw !== '' ? nameRaw : `${type ?? ''}_${stream}`;
  const definition = type === undefined ? undefined : findToxicDefinition(type);
  if (definition === undefined) throw ApiErrors.invalidToxicType;
  return {
    name,
    type: definition.type,
    stream,
    toxicity: parseToxicity(body['toxicity'], 1),
    attributes: parseAttributes(definition, body['attributes'], undefined, attributeMax),
    definition,
  };
}

/** Parses the body of POST /proxies/{proxy}/toxics/{toxic}: only attributes and toxicity change. */
export function parseToxicUpdate(body: unknown, existing: ToxicSpec, attributeMax: number): ToxicSpec {
  if (!isRecord(body)) throw bad('expected a JSON object');
  return {
    ...existing,
    toxicity: parseToxicity(body['toxicity'], existing.toxicity),
    attributes: parseAttributes(existing.definition, body['attributes'], existing.attributes, attributeMax),
  };
}
