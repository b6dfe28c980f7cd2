/**
 * Request validation with TypeBox (the same library and messages as batches/spec.ts),
 * instead of fastify's default Ajv: no silent removal of unknown properties, no type coercion
 * of JSON bodies, and errors that name the field (`querystring.limit: Expected integer`).
 * Query strings and path params are strings on the wire, so they are converted first.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import '../batches/spec.ts';
import type { SpecIssue } from '../batches/errors.ts';

// TypeBox knows no formats until registered: batches/spec.ts registers `uuid` (imported
// above for that effect); timestamps here use `date-time`.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)));

const MAX_ISSUES = 20;

/** Field-named issues of `value` against `schema`, at most 20; `prefix` is e.g. `body`. */
function schemaIssues(schema: TSchema, value: unknown, prefix: string): SpecIssue[] {
  const out: SpecIssue[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const field = [prefix, ...e.path.split('/').filter(Boolean)].join('.');
    const k = `${field}|${e.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ field, reason: e.message });
    if (out.length >= MAX_ISSUES) break;
  }
  return out;
}

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
    const value = convert ? Value.Convert(schema, data) : data;
    if (Value.Check(schema, value))
      return { value: uuidKeys.length ? lowerUuids(value as Record<string, unknown>, uuidKeys) : value };
    return { error: new RequestValidationError(schemaIssues(schema, value, prefix)) };
  };
};

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
