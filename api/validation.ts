/**
 * Request validation with TypeBox (the same library and messages as batches/spec.ts),
 * instead of fastify's default Ajv: no silent removal of unknown properties, no type coercion
 * of JSON bodies, and errors that name the field (`querystring.limit: Expected integer`).
 * Query strings and path params are strings on the wire, so they are converted first, strictly.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { schemaIssues } from '../batches/spec.ts';
import type { SpecIssue } from '../batches/errors.ts';

// TypeBox knows no formats until registered: batches/spec.ts registers `uuid`; timestamps
// here use `date-time`.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)));

class RequestValidationError extends Error {
  readonly statusCode = 400;
  readonly issues: SpecIssue[];
  validationContext?: string;
  constructor(issues: SpecIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '));
    this.issues = issues;
  }
}

/**
 * fastify validator compiler. Per-content-type bodies (`body.content`, used by POST /batches
 * for JSON specs and streamed uploads) are documentation only: the handler checks them.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart, contentType }) => {
  if (contentType !== undefined) return () => true;
  const convert = httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers';
  const prefix = httpPart === 'params' ? 'path' : (httpPart ?? 'body');
  const uuidKeys = convert ? uuidProperties(schema) : [];
  return (data: unknown) => {
    const value = convert ? fromStrings(schema, data) : data;
    if (Value.Check(schema, value))
      return { value: uuidKeys.length ? lowerUuids(value as Record<string, unknown>, uuidKeys) : value };
    return { error: new RequestValidationError(schemaIssues(schema, value, prefix)) };
  };
};

const INTEGER = /^-?[0-9]+$/;
const NUMBER = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

/**
 * Query-string and path values are strings: each top-level property typed integer, number or
 * boolean is converted only when its text is exactly one (`10`, `2.5`, `true`); anything else
 * stays a string and fails the schema by name. (TypeBox's Value.Convert would read `1.5` as
 * the integer 1 and `true` as 1.)
 */
function fromStrings(schema: TSchema, data: unknown): unknown {
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!props || !data || typeof data !== 'object') return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [k, v] of Object.entries(out)) {
    const type = props[k]?.type;
    if (typeof v !== 'string') continue;
    if (type === 'integer' && INTEGER.test(v)) out[k] = Number(v);
    else if (type === 'number' && NUMBER.test(v)) out[k] = Number(v);
    else if (type === 'boolean' && (v === 'true' || v === 'false')) out[k] = v === 'true';
  }
  return out;
}

/** Top-level properties of an object schema with `format: uuid`. */
function uuidProperties(schema: TSchema): string[] {
  const props = (schema as { properties?: Record<string, { format?: unknown }> }).properties ?? {};
  return Object.keys(props).filter((k) => props[k]?.format === 'uuid');
}

/**
 * UUIDs are case-insensitive on the wire but not in workflow ids (`batch-<id>`): every id that
 * enters through a path or query string is lower-cased here, at the boundary.
 */
function lowerUuids(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out = { ...value };
  for (const k of keys) if (typeof out[k] === 'string') out[k] = normalizeUuid(out[k] as string);
  return out;
}

/** The canonical (lower-case) form of a UUID string. */
export function normalizeUuid(id: string): string {
  return id.toLowerCase();
}
