import fc from 'fast-check';

/**
 * fast-check arbitraries from the JSON schemas of openapi.yaml: `conforming(schema)` generates
 * values the schema admits (mixing in `hints`, e.g. known symbols, so requests reach success
 * paths), `anyValue(schema)` mostly conforming values and sometimes junk of any JSON type,
 * missing required fields or extra ones, so the server's rejections are exercised too.
 */

type Schema = Record<string, unknown>;

export interface SchemaHints {
  /** Strings worth trying for any string field (known symbols, member ids, numbers as text). */
  readonly strings: readonly string[];
}

/** Bounds of generated values (a request must stay well under the body limit most of the time). */
export const GENERATED_STRING_LENGTH_MAX = 40;
export const GENERATED_ARRAY_LENGTH_MAX = 4;

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: GENERATED_STRING_LENGTH_MAX, unit: 'grapheme' }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', ' ', '\u212a', '\n', '0', '-1', '1e400', 'NaN', '%00', '../'),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: GENERATED_ARRAY_LENGTH_MAX }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

function typesOf(schema: Schema): string[] {
  const type = schema['type'];
  if (Array.isArray(type)) return type as string[];
  return typeof type === 'string' ? [type] : ['string'];
}

function stringArbitrary(schema: Schema, hints: SchemaHints): fc.Arbitrary<string> {
  const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const maxLength = Math.min(typeof schema['maxLength'] === 'number' ? schema['maxLength'] : GENERATED_STRING_LENGTH_MAX, GENERATED_STRING_LENGTH_MAX);
  const pattern = typeof schema['pattern'] === 'string' ? new RegExp(schema['pattern']) : null;
  const fits = (s: string): boolean => s.length >= minLength && s.length <= maxLength && (pattern === null || pattern.test(s));
  const generated =
    pattern === null
      ? fc.string({ minLength, maxLength: Math.max(minLength, maxLength) })
      : fc.stringMatching(pattern).filter(fits);
  const hinted = hints.strings.filter(fits);
  return hinted.length === 0 ? generated : fc.oneof({ arbitrary: fc.constantFrom(...hinted), weight: 3 }, { arbitrary: generated, weight: 1 });
}

function numberArbitrary(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : -1e9;
  const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : 1e9;
  return integer
    ? fc.oneof(
        { arbitrary: fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, Math.max(min, -1e9) + 50) }), weight: 3 },
        { arbitrary: fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e12) }), weight: 1 },
      )
    : fc.double({ min, max, noNaN: true });
}

function objectArbitrary(schema: Schema, hints: SchemaHints): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) record[name] = conforming(property, hints);
  const optional = Object.keys(properties).filter((name) => !required.has(name));
  return fc.record(record, { requiredKeys: [...required].filter((name) => name in properties) }).map((value) => {
    for (const name of optional) if (value[name] === undefined) delete value[name];
    return value;
  });
}

export function conforming(schema: Schema, hints: SchemaHints): fc.Arbitrary<unknown> {
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const arbitraries = typesOf(schema).map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'integer':
        return numberArbitrary(schema, true);
      case 'number':
        return numberArbitrary(schema, false);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(conforming((schema['items'] ?? {}) as Schema, hints), { maxLength: GENERATED_ARRAY_LENGTH_MAX });
      case 'object':
        return objectArbitrary(schema, hints);
      default:
        return stringArbitrary(schema, hints);
    }
  });
  return arbitraries.length === 1 ? (arbitraries[0] as fc.Arbitrary<unknown>) : fc.oneof(...arbitraries);
}

/** Mostly conforming; sometimes junk, a dropped field or an unknown extra field. */
export function anyValue(schema: Schema, hints: SchemaHints): fc.Arbitrary<unknown> {
  const base = conforming(schema, hints);
  const variants: fc.Arbitrary<unknown>[] = [junk];
  if (typesOf(schema).includes('object')) {
    variants.push(
      base.chain((value) => {
        const keys = Object.keys(value as object);
        if (keys.length === 0) return fc.constant(value);
        return fc.constantFrom(...keys).map((drop) => Object.fromEntries(Object.entries(value as object).filter(([k]) => k !== drop)));
      }),
      fc.tuple(base, fc.string({ minLength: 1, maxLength: 8 }), junk).map(([value, key, extra]) => ({ ...(value as object), [key]: extra })),
    );
  }
  return fc.oneof({ arbitrary: base, weight: 4 }, ...variants.map((arbitrary) => ({ arbitrary, weight: 1 })));
}
