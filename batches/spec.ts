/**
 * The batch spec: the one shape every entry point (CLI, REST API, PhoneBatch resource) turns
 * into before a workflow starts. TypeBox gives the JSON Schema (used by fastify and the CRD)
 * and the static type from one definition.
 */
import { FormatRegistry, Kind, Type, TypeRegistry, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  NUMBER_TYPES,
  REPAIR_MODES,
  type GenerateRequest,
  type RepairMode,
  type ValidateOptions,
} from '../core/types.ts';
import { createGenerator, GenerateSpecError } from '../core/generate.ts';
import { allRegions } from '../core/metadata.ts';
import { SpecError, type SpecIssue } from './errors.ts';

// TypeBox rejects every value of a format nobody registered; batchRef uses `uuid`.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));

// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text cannot store
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Largest generate count one batch may request (100 M, within continue-as-new limits). */
const MAX_GENERATE_COUNT = 100_000_000;
/** Largest inline validate source (rows); bigger inputs go through an upload. */
export const MAX_INLINE_NUMBERS = 10_000;

/** Regions libphonenumber-js/max has metadata for (ISO 3166-1 alpha-2, sorted; 001 non-geo excluded). */
export const REGIONS: readonly string[] = [...allRegions()].sort();

// A string enum as one JSON Schema `enum` (a union of literals would print ~245 `anyOf`
// branches in the OpenAPI document): TypeBox's custom-kind mechanism checks it.
TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => {
  return typeof value === 'string' && schema.enum.includes(value);
});

/** A string enum schema of exactly `values` (checked by the StringEnum kind above). */
export function stringEnum<T extends string>(
  values: readonly T[],
  opts: { description?: string; errorMessage?: string; default?: T } = {},
) {
  return Type.Unsafe<T>({ [Kind]: 'StringEnum', type: 'string', enum: [...values], ...opts });
}

/**
 * A region as an enum of exactly the regions the metadata knows, so the OpenAPI document, the
 * CRD (operator/crd-gen.ts) and every generated client refuse `AA` as the server does.
 */
export const RegionSchema = stringEnum(REGIONS, {
  description: 'Region, ISO 3166-1 alpha-2 (e.g. US, GB); must be one libphonenumber has metadata for.',
  errorMessage: 'must be a region libphonenumber has metadata for (ISO 3166-1 alpha-2, upper case, e.g. US or GB)',
});

export const NumberTypeSchema = Type.Union(
  NUMBER_TYPES.map((t) => Type.Literal(t)),
  {
    description: 'libphonenumber number type.',
    errorMessage: `must be one of ${NUMBER_TYPES.join(', ')}`,
  },
);

const GenerateModeSchema = Type.Union([Type.Literal('fictional'), Type.Literal('random'), Type.Literal('range')], {
  description:
    'fictional (default): only regulator-published drama/test ranges. random: uniformly sampled numbers valid under the numbering plan. range: numbers of an explicit prefix block you own.',
});

export const GenerateSpecSchema = Type.Object(
  {
    region: RegionSchema,
    mode: Type.Optional(GenerateModeSchema),
    count: Type.Integer({
      minimum: 1,
      maximum: MAX_GENERATE_COUNT,
      description: 'How many unique numbers to generate.',
    }),
    numberType: Type.Optional(NumberTypeSchema),
    areaCodes: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9]{1,8}$', errorMessage: 'must be 1–8 digits' }), {
        minItems: 1,
        maxItems: 1000,
        description: 'Leading digits of the national significant number (NANP: NPA area codes).',
      }),
    ),
    prefix: Type.Optional(
      Type.String({
        pattern: '^\\+[0-9][0-9 ()-]{0,24}$',
        errorMessage: 'must be an E.164 prefix starting with + and the country calling code, e.g. "+1 212 555 1"',
        description:
          'range mode: the owned block as an E.164 prefix, e.g. "+1 212 555 1" (the rest of the digits vary).',
      }),
    ),
    seed: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Same seed, same numbers.' })),
  },
  { additionalProperties: false },
);

/**
 * Where a validate batch's numbers come from, when they are part of the spec. A file (CSV,
 * NDJSON, a ConfigMap) is not: its rows are passed to the batch service beside the spec
 * (batches/service.ts `submit`), and the spec then has no source.
 */
export const ValidateSourceSchema = Type.Union([
  Type.Object(
    { inline: Type.Array(Type.String({ maxLength: 1024 }), { minItems: 1, maxItems: MAX_INLINE_NUMBERS }) },
    { additionalProperties: false },
  ),
  Type.Object({ batchRef: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
]);

/** How far the validator goes to read messy input: core/types.ts RepairMode, one line per value. */
export const RepairModeSchema = stringEnum<RepairMode>(REPAIR_MODES, {
  default: 'safe',
  description: [
    "How far the validator goes to read messy input (what it changed is in each number's `repairs`):",
    "none: libphonenumber's reading of each number as written, no repairs.",
    'safe (default): only repairs the field itself proves (a missing "+", another region\'s IDD prefix, …); doubts become `warnings`.',
    'all: also repairs that are likely but not proven (a lost leading zero, a fixed-rule renumbering).',
  ].join('\n'),
  errorMessage: `must be one of ${REPAIR_MODES.join(', ')}`,
});

export const DefaultAreaCodeSchema = Type.String({
  pattern: '^[0-9]{1,6}$',
  description:
    'The area code, without trunk prefix, put before subscriber numbers written without one; e.g. "30" for Berlin.',
  errorMessage: 'must be 1–6 ASCII digits: the area code without trunk prefix, e.g. "30" for Berlin',
});

export const NumericSourceSchema = Type.Boolean({
  description:
    'The numbers come from a numeric spreadsheet column, so a lost leading zero may be restored (repair `leading_zero_restored`).',
  errorMessage: 'must be true or false',
});

/**
 * The validator's options (core/types.ts ValidateOptions) as they appear in a validate spec, in
 * the body of POST /api/v1/validate and in the upload query string: one definition for all three.
 */
export const ValidateOptionFields = {
  repairs: Type.Optional(RepairModeSchema),
  defaultAreaCode: Type.Optional(DefaultAreaCodeSchema),
  numericSource: Type.Optional(NumericSourceSchema),
};
/** The validator options of a spec: core/types.ts ValidateOptions as the schema states them. */
export type SpecValidateOptions = Static<TObject<typeof ValidateOptionFields>>;

/**
 * The validator options set in `o` (a validate spec, a job, a request body or query), and no
 * other field: what validateField is given. Unset options are left out (the core's defaults).
 */
export function validateOptionsOf(o: ValidateOptions): SpecValidateOptions {
  const out: SpecValidateOptions = {};
  if (o.repairs !== undefined) out.repairs = o.repairs;
  if (o.defaultAreaCode !== undefined) out.defaultAreaCode = o.defaultAreaCode;
  if (o.numericSource !== undefined) out.numericSource = o.numericSource;
  return out;
}

export const ValidateSpecSchema = Type.Object(
  {
    defaultRegion: Type.Optional(RegionSchema),
    ...ValidateOptionFields,
    source: Type.Optional(
      Type.Union(ValidateSourceSchema.anyOf, {
        description: 'Required, unless the numbers are uploaded as a file (the spec then has no source).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BatchSpecSchema = Type.Object(
  {
    generate: Type.Optional(GenerateSpecSchema),
    validate: Type.Optional(ValidateSpecSchema),
  },
  {
    additionalProperties: false,
    // Exactly one block. TypeBox ignores `oneOf` on an object: checkBatchSpec enforces it with
    // a message; the keyword states the rule in the OpenAPI document (the CRD says it in CEL).
    oneOf: [{ required: ['generate'] }, { required: ['validate'] }],
  },
);

export type GenerateSpec = Static<typeof GenerateSpecSchema>;
// The core reads a generate block as its own GenerateRequest: the two must stay one shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const generateShapeMatchesCore: Same<GenerateSpec, GenerateRequest> = true;
void generateShapeMatchesCore;
// The validate options are the core's ValidateOptions, field for field.
const validateOptionsMatchCore: Same<keyof SpecValidateOptions, keyof ValidateOptions> = true;
const validateOptionsFitCore: ValidateOptions = {} as SpecValidateOptions;
void validateOptionsMatchCore;
void validateOptionsFitCore;
export type BatchSpec = Static<typeof BatchSpecSchema>;

/** One raw input row of a validate batch: what an upload (CSV, NDJSON, ConfigMap) turns into. */
export interface InputRow {
  /** The raw field as written; it may hold several numbers. */
  raw: string;
  /** The row's own default region (e.g. a CSV's country column); null uses the batch's. */
  defaultRegion?: string | null;
}

/** What {@link checkBatchSpec} needs to know beyond the spec. */
export interface SpecContext {
  /** The validate numbers come as uploaded rows (a file), so the spec must have no source. */
  uploaded?: boolean;
}

/**
 * Checks a spec against the schema and the rules a schema cannot say: exactly one block, known
 * regions, range needs a prefix, a validate source exactly when nothing is uploaded, text
 * PostgreSQL can store, and what the numbering plan allows (see feasibility). Pure: no I/O.
 * Returns the issues (at most 20); empty means valid. The batch service runs it once per submit.
 */
export function checkBatchSpec(spec: unknown, ctx: SpecContext = {}): SpecIssue[] {
  const issues = schemaIssues(BatchSpecSchema, spec);
  if (issues.length) return issues;
  const s = spec as BatchSpec;
  if (!s.generate && !s.validate)
    issues.push({ field: 'spec', reason: 'exactly one of generate or validate is required' });
  if (s.generate && s.validate) issues.push({ field: 'spec', reason: 'generate and validate are mutually exclusive' });
  if (s.generate) {
    const g = s.generate;
    if ((g.mode ?? 'fictional') === 'range' && !g.prefix)
      issues.push({ field: 'generate.prefix', reason: 'range mode needs the owned prefix, e.g. "+1 212 555 1"' });
    if ((g.mode ?? 'fictional') !== 'range' && g.prefix)
      issues.push({ field: 'generate.prefix', reason: 'prefix is only used in range mode' });
    if (g.seed !== undefined && UNSTORABLE.test(g.seed))
      issues.push({ field: 'generate.seed', reason: UNSTORABLE_REASON });
    if (ctx.uploaded) issues.push({ field: 'spec', reason: 'only a validate batch takes uploaded rows' });
  }
  const v = s.validate;
  if (v && ctx.uploaded && v.source) {
    issues.push({ field: 'validate.source', reason: 'the numbers are uploaded: leave source out' });
  }
  if (v && !ctx.uploaded && !v.source) {
    issues.push({ field: 'validate.source', reason: 'required: inline numbers or a batchRef (or upload a file)' });
  }
  if (v?.source && 'inline' in v.source) {
    const bad = v.source.inline.findIndex((x) => UNSTORABLE.test(x));
    if (bad >= 0) issues.push({ field: `validate.source.inline.${bad}`, reason: UNSTORABLE_REASON });
  }
  if (s.generate && !issues.length) issues.push(...feasibility(s.generate));
  return issues;
}

// PostgreSQL text cannot hold NUL, and a lone surrogate is not valid UTF-8 (jsonb refuses it).
const UNSTORABLE_REASON = 'contains a NUL character or an unpaired UTF-16 surrogate';

/**
 * What only the numbering plan can say: a type the plan cannot distinguish (MOBILE in NANP),
 * a region with no fictional range, a prefix with no valid number, or more numbers than exist
 * (createGenerator throws GenerateSpecError for each). Builds (and caches) the generator, as the
 * worker will.
 */
function feasibility(g: GenerateSpec): SpecIssue[] {
  try {
    createGenerator(g);
    return [];
  } catch (err) {
    if (err instanceof GenerateSpecError) return [{ field: err.field, reason: err.reason }];
    throw err;
  }
}

/**
 * Throws {@link SpecError} unless `spec` is a valid batch spec; returns it typed, with its ids in
 * canonical form (a batchRef lower-cased: UUIDs are case-insensitive, workflow ids are not).
 */
export function assertBatchSpec(spec: unknown, ctx: SpecContext = {}): BatchSpec {
  const issues = checkBatchSpec(spec, ctx);
  if (issues.length) throw new SpecError(issues);
  const s = spec as BatchSpec;
  const src = s.validate?.source;
  if (src && 'batchRef' in src)
    return { validate: { ...s.validate, source: { batchRef: src.batchRef.toLowerCase() } } };
  return s;
}

/**
 * The issues of `value` against a TypeBox schema, at most 20, each naming its field: `prefix`
 * and the JSON path joined with dots (`body.numbers.3`; no prefix: the path, or `spec`). A
 * schema's `errorMessage` annotation replaces TypeBox's generic wording ("Expected union
 * value"), followed by the offending value when it is a short string. The one formatter of schema
 * errors: the batch spec here, request parts in api/validation.ts.
 */
export function schemaIssues(schema: TSchema, value: unknown, prefix?: string): SpecIssue[] {
  const out: SpecIssue[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const parts = e.path.split('/').filter(Boolean);
    const field = (prefix ? [prefix, ...parts] : parts).join('.') || 'spec';
    const custom = (e.schema as { errorMessage?: string }).errorMessage;
    const got = typeof e.value === 'string' && e.value.length <= 40 ? ` (got ${JSON.stringify(e.value)})` : '';
    const reason = custom ? `${custom}${got}` : e.message;
    const k = `${field}|${reason}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ field, reason });
    if (out.length >= 20) break;
  }
  return out;
}
