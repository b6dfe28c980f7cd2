/**
 * Request and response schemas of the REST API (TypeBox → JSON Schema). The batch spec itself
 * is batches/spec.ts's BatchSpecSchema: the API, CLI and CRD share one definition.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BatchSpecSchema, NumberTypeSchema, RegionSchema, stringEnum, ValidateOptionFields } from '../batches/spec.ts';
import { LABELS, REPAIR_CODES, WARNING_CODES, type RepairCode, type WarningCode } from '../core/codes.ts';
import { BATCH_CURSOR_PATTERN, NUMBER_CURSOR_PATTERN } from './cursor.ts';
import { ERROR_STATUS, ErrorBodySchema } from './errors.ts';
import { BATCH_STATUSES } from '../batches/state.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Batch id (UUID).' }) });
export type IdParams = Static<typeof IdParams>;

const Limit = Type.Integer({
  minimum: 1,
  maximum: 1000,
  default: 100,
  description: 'Page size (1–1000, default 100).',
});
const BatchCursor = Type.String({
  maxLength: 64,
  pattern: BATCH_CURSOR_PATTERN,
  description:
    'nextCursor of the previous page: `<created_at, µs since the Unix epoch>.<id>`; any value of this shape is a position.',
});
const NumberCursor = Type.String({
  maxLength: 32,
  pattern: NUMBER_CURSOR_PATTERN,
  description: 'nextCursor of the previous page: `<seq>.<part>`; any value of this shape is a position.',
});
const BoolQuery = Type.Boolean({ description: 'true or false.' });

const BatchStatusSchema = Type.Union(
  BATCH_STATUSES.map((s) => Type.Literal(s)),
  { description: 'Batch status (batches/state.ts).' },
);

export const ListBatchesQuery = Type.Object({
  status: Type.Optional(BatchStatusSchema),
  operation: Type.Optional(Type.Union([Type.Literal('generate'), Type.Literal('validate')])),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(BatchCursor),
});
export type ListBatchesQuery = Static<typeof ListBatchesQuery>;

export const CreateBatchQuery = Type.Object({
  defaultRegion: Type.Optional(RegionSchema),
  // Upload only, as the validate spec's: repairs, defaultAreaCode, numericSource.
  ...ValidateOptionFields,
  column: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, description: 'Upload only: CSV column with the raw phone field.' }),
  ),
  regionColumn: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: "Upload only: CSV column with each row's default region.",
    }),
  ),
});
export type CreateBatchQuery = Static<typeof CreateBatchQuery>;

export const NumbersQuery = Type.Object({
  valid: Type.Optional(BoolQuery),
  type: Type.Optional(NumberTypeSchema),
  region: Type.Optional(RegionSchema),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(NumberCursor),
});
export type NumbersQuery = Static<typeof NumbersQuery>;

export const ExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' })),
  valid: Type.Optional(BoolQuery),
});
export type ExportQuery = Static<typeof ExportQuery>;

export const ValidateBody = Type.Object(
  {
    numbers: Type.Array(Type.String({ maxLength: 1024 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Raw fields (each may hold several numbers).',
    }),
    defaultRegion: Type.Optional(RegionSchema),
    ...ValidateOptionFields,
  },
  { additionalProperties: false },
);
export type ValidateBody = Static<typeof ValidateBody>;

export const CreatedBatch = Type.Object({
  id: Type.String({ format: 'uuid' }),
  workflowId: Type.String(),
  status: Type.String(),
  rows: Type.Optional(Type.Integer({ description: 'Upload only: input rows received.' })),
});

export const BatchView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  project: Type.String(),
  operation: Type.String(),
  status: Type.String(),
  phase: Type.Optional(Type.String({ description: 'Workflow phase, when the workflow answered.' })),
  workflowId: Nullable(Type.String()),
  spec: Type.Any({ description: 'The batch spec (BatchSpec).' }),
  total: Type.Union([Type.Integer(), Type.Null()]),
  processed: Type.Integer(),
  valid: Type.Integer(),
  invalid: Type.Integer(),
  progress: Type.Number({ description: 'Percent, 0–100.' }),
  libraryVersion: Type.String(),
  error: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type BatchView = Static<typeof BatchView>;

export const BatchPage = Type.Object({ items: Type.Array(BatchView), nextCursor: Nullable(Type.String()) });

const Counts = (description: string) =>
  Type.Array(Type.Object({ key: Type.String(), count: Type.Integer() }), { description });

/** What a batch holds, in counts (batches/service.ts summary; db/numbers.ts NumbersSummary). */
export const SummaryView = Type.Object({
  valid: Type.Integer({ description: 'Stored numbers that are valid (counted from the rows).' }),
  invalid: Type.Integer({ description: 'Stored numbers that are not valid.' }),
  byType: Counts('Numbers per number type (`-` for none), most first, at most 8.'),
  byRegion: Counts('Numbers per region (`-` for none), most first, at most 10.'),
  regions: Type.Integer({ description: 'Distinct regions among the numbers.' }),
  errors: Counts('Invalid numbers per error code, most first.'),
  repairs: Counts('Numbers per repair code (README "Messy input"); a number may count under several.'),
  warnings: Counts('Numbers per warning code; a number may count under several.'),
  labels: Counts('Numbers per label the field gave them.'),
  sample: Type.Array(Type.String(), { description: 'The first few valid numbers, E.164.' }),
  declared: Type.Union(
    [
      Type.Object({
        inDeclaredRegion: Type.Integer(),
        inOtherRegion: Type.Integer(),
        rowsWithSeveral: Type.Integer(),
      }),
      Type.Null(),
    ],
    {
      description:
        'Validate batches whose rows declared a region: valid numbers in that region vs another, and rows holding several numbers.',
    },
  ),
});

export const ProgressView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.String(),
  phase: Type.String(),
  progress: Type.Number({ description: 'Percent, 0–100.' }),
  total: Type.Integer(),
  processed: Type.Integer(),
  valid: Type.Integer(),
  invalid: Type.Integer(),
  source: Type.Union([Type.Literal('workflow'), Type.Literal('database')], {
    description: 'workflow: live query; database: the batch has finished.',
  }),
});

const NullableBool = Type.Union([Type.Boolean(), Type.Null()]);
const RepairCodeSchema = stringEnum(Object.keys(REPAIR_CODES) as RepairCode[], {
  description: 'A repair code (what was changed in the input to reach this reading).',
});
const WarningCodeSchema = stringEnum(Object.keys(WARNING_CODES) as WarningCode[], {
  description: 'A warning code (a doubt a person should look at).',
});
const LabelSchema = stringEnum(LABELS, { description: 'What the field said the number is (`Fax:`, `(mobile)`…).' });
/** The per-number result fields shared by stored numbers and `phonebatch check` lines. */
const resultFields = {
  e164: Nullable(Type.String()),
  region: Nullable(Type.String()),
  type: Nullable(Type.String()),
  ext: Nullable(Type.String()),
  national: Nullable(Type.String()),
  error: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  label: Type.Union([LabelSchema, Type.Null()]),
  repairs: Type.Array(RepairCodeSchema, { description: 'Repairs applied, in order; empty for none.' }),
  warnings: Type.Array(WarningCodeSchema, { description: 'Warnings; empty for none.' }),
  emergency: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'SHORT_NUMBER only: whether it is an emergency number of the region.',
  }),
  carrierCode: Nullable(Type.String({ description: 'Carrier selection code removed from the input.' })),
};
const NumberView = Type.Object({
  seq: Type.Integer(),
  part: Type.Integer(),
  raw: Nullable(Type.String()),
  valid: Type.Boolean(),
  possible: NullableBool,
  ...resultFields,
});
export const NumberPage = Type.Object({ items: Type.Array(NumberView), nextCursor: Nullable(Type.String()) });

/** One number found, exactly as `phonebatch check` prints it. */
const CheckLine = Type.Object(
  {
    line: Type.Integer({ description: '1-based position of the raw field in `numbers`.' }),
    index: Type.Integer({ description: 'Position of the number within the field.' }),
    input: Type.String(),
    valid: Type.Boolean(),
    possible: Type.Boolean(),
    ...resultFields,
  },
  { additionalProperties: true },
);
export const ValidateResponse = Type.Object({ results: Type.Array(CheckLine), libraryVersion: Type.String() });

/** Spec body: documented with the shared schema, checked by assertBatchSpec in the handler. */
export const CreateBatchBody = {
  content: {
    'application/json': { schema: BatchSpecSchema },
    'text/csv': {
      schema: { type: 'string', format: 'binary', description: 'Validate upload: CSV with a header row.' },
    },
    'application/x-ndjson': {
      schema: {
        type: 'string',
        format: 'binary',
        description: 'Validate upload: one JSON string or {"phone","defaultRegion"} per line.',
      },
    },
  },
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Missing, unknown or revoked token',
  404: 'Not found (or in another project)',
  409: 'Conflict',
  413: 'Body too large (JSON over 4 MiB; uploads over PHONEBATCH_API_UPLOAD_LIMIT, default 512 MiB)',
  415: 'Unsupported content type',
  429: 'Rate limited (see retry-after)',
  500: 'Internal error',
  503: 'A dependency is unavailable (see retry-after)',
};

/**
 * The documented error answers of an operation: every authenticated route can answer 400, 401,
 * 429, 500 and 503, plus the `extra` statuses given. Each names its stable codes (from
 * api/errors.ts's ERROR_STATUS) and is always `application/json`, whatever the 2xx type.
 */
export function errorResponses(...extra: Array<404 | 409 | 413 | 415>): Record<string, unknown> {
  const statuses = [400, 401, 429, 500, 503, ...extra].sort((a, b) => a - b);
  return Object.fromEntries(
    statuses.map((status) => {
      const codes = Object.entries(ERROR_STATUS)
        .filter(([code, st]) => st === status && code !== 'route_not_found')
        .map(([code]) => code);
      return [
        status,
        {
          description: `${STATUS_TEXT[status]}: ${codes.join(', ')}.`,
          content: { 'application/json': { schema: ErrorBodySchema } },
        },
      ];
    }),
  );
}

export const Security = [{ bearerAuth: [] }];
