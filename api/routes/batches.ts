/**
 * Batch routes under /api/v1 (all scoped to the token's project; another project's batch is 404):
 *
 *  POST /batches               JSON BatchSpec (as the CLI and CRD), or a validate upload as
 *                              text/csv or application/x-ndjson (streamed, size-limited)
 *                              → 202 {id, workflowId, status, rows?}. 400 invalid_spec /
 *                              invalid_upload, 404 (batchRef of another project), 413, 415.
 *  GET  /batches               ?status&operation&limit&cursor → {items, nextCursor}, newest first.
 *  GET  /batches/:id           → BatchView, with live counts from the workflow while running.
 *  POST /batches/:id/cancel    → 202 {id, status: "cancelling"}; 409 batch_not_running.
 *  GET  /batches/:id/progress  → ProgressView: the HTTP polling fallback for the WebSocket.
 *
 * A thin adapter: every rule (spec, batchRef ownership, statuses, counts) lives in the batch
 * service (batches/service.ts); this file turns bodies and uploads into its calls.
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { BatchService } from '../../batches/service.ts';
import { SpecError } from '../../batches/errors.ts';
import { validateOptionsOf } from '../../batches/spec.ts';
import type { BatchStatus } from '../../batches/state.ts';
import { ApiError, errors } from '../errors.ts';
import { decodeBatchCursor, encodeBatchCursor } from '../cursor.ts';
import { bodyGone, clientClosedUpload, uploadRows, type UploadFormat } from '../upload.ts';
import type { ProgressHub } from '../progress-hub.ts';
import type { ApiOptions } from '../config.ts';
import { toBatchView, toProgressView } from '../views.ts';
import {
  BatchPage,
  BatchView,
  CreateBatchBody,
  CreateBatchQuery,
  CreatedBatch,
  errorResponses,
  IdParams,
  ListBatchesQuery,
  ProgressView,
  Security,
  SummaryView,
} from '../schemas.ts';

export interface BatchRouteDeps {
  service: BatchService;
  options: ApiOptions;
  hub: ProgressHub;
}

export const UPLOAD_TYPES: Record<string, UploadFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

/** A batch spec is a few levels deep; far deeper bodies are refused before any recursive walk. */
const MAX_SPEC_DEPTH = 32;

/** True when `v` nests objects/arrays more than `max` levels deep (iterative: no stack limit). */
function tooDeep(v: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (!x || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (y && typeof y === 'object') stack.push([y, d + 1]);
  }
  return false;
}

export function registerBatchRoutes(app: FastifyInstance, deps: BatchRouteDeps): void {
  const { service, hub } = deps;

  app.post<{ Querystring: CreateBatchQuery; Body: unknown }>(
    '/api/v1/batches',
    {
      schema: {
        summary: 'Start a generate or validate batch',
        description:
          "JSON body: the batch spec (the same as the CLI and the PhoneBatch resource). A validate batch over a file: send the file as text/csv (header row) or application/x-ndjson; it is streamed into PostgreSQL, never held whole. The query string then holds what the spec's validate block would: defaultRegion, repairs, defaultAreaCode, numericSource.",
        tags: ['batches'],
        querystring: CreateBatchQuery,
        body: CreateBatchBody,
        response: { 202: CreatedBatch, ...errorResponses(404, 413, 415) },
        security: Security,
      },
    },
    async (req, reply) => {
      const project = req.auth!.project;
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const upload = UPLOAD_TYPES[mediaType];
      let submitted;
      if (upload) {
        const q = req.query;
        if (Number(req.headers['content-length']) > deps.options.uploadLimitBytes) {
          throw errors.payloadTooLarge(deps.options.uploadLimitBytes);
        }
        // The client may already be gone (e.g. it dropped while we authenticated): no batch row.
        const body = req.body as Readable;
        if (bodyGone(body)) throw clientClosedUpload();
        const spec = {
          validate: { ...(q.defaultRegion ? { defaultRegion: q.defaultRegion } : {}), ...validateOptionsOf(q) },
        };
        const rows = uploadRows(body, {
          format: upload,
          limitBytes: deps.options.uploadLimitBytes,
          column: q.column,
          regionColumn: q.regionColumn,
        });
        try {
          submitted = await service.submit({ project, spec, rows });
        } catch (err) {
          throw uploadFailure(err);
        }
      } else {
        const body = req.body;
        if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw errors.invalidSpec([
            { field: 'body', reason: 'expected a batch spec object, e.g. {"generate": {…}} or {"validate": {…}}' },
          ]);
        }
        if (tooDeep(body, MAX_SPEC_DEPTH)) {
          throw errors.invalidSpec([{ field: 'body', reason: `nested deeper than ${MAX_SPEC_DEPTH} levels` }]);
        }
        submitted = await service.submit({ project, spec: body });
      }
      hub.track();
      return reply.code(202).send({
        id: submitted.batchId,
        workflowId: submitted.workflowId,
        status: 'pending',
        ...(upload ? { rows: submitted.rows } : {}),
      });
    },
  );

  app.get<{ Querystring: ListBatchesQuery }>(
    '/api/v1/batches',
    {
      schema: {
        summary: 'List batches, newest first (keyset pagination)',
        tags: ['batches'],
        querystring: ListBatchesQuery,
        response: { 200: BatchPage, ...errorResponses() },
        security: Security,
      },
    },
    async (req) => {
      const q = req.query;
      const page = await service.list(req.auth!.project, {
        status: q.status as BatchStatus | undefined,
        operation: q.operation,
        limit: q.limit ?? 100,
        after: q.cursor ? decodeBatchCursor(q.cursor) : undefined,
      });
      return { items: page.items.map(toBatchView), nextCursor: page.next ? encodeBatchCursor(page.next) : null };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/batches/:id',
    {
      schema: {
        summary: 'A batch: status and counts (live from the workflow while it runs)',
        tags: ['batches'],
        params: IdParams,
        response: { 200: BatchView, ...errorResponses(404) },
        security: Security,
      },
    },
    async (req) => toBatchView(await service.read(req.auth!.project, req.params.id)),
  );

  app.post<{ Params: IdParams }>(
    '/api/v1/batches/:id/cancel',
    {
      schema: {
        summary: 'Cancel a batch',
        description: 'Requests cancellation; the batch ends as cancelled with the counts of the rows actually stored.',
        tags: ['batches'],
        params: IdParams,
        response: {
          202: {
            type: 'object',
            required: ['id', 'status'],
            properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['cancelling'] } },
          },
          ...errorResponses(404, 409, 413, 415),
        },
        security: Security,
      },
    },
    async (req, reply) => {
      await service.cancel(req.auth!.project, req.params.id);
      return reply.code(202).send({ id: req.params.id, status: 'cancelling' });
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/batches/:id/summary',
    {
      schema: {
        summary: 'What a batch holds: counts by type, region, error, repair, warning and label',
        description:
          'Read from the stored numbers (a few scans of the batch: seconds for tens of millions), so the counts are those of the rows stored so far.',
        tags: ['batches'],
        params: IdParams,
        response: { 200: SummaryView, ...errorResponses(404) },
        security: Security,
      },
    },
    async (req) => service.summary(req.auth!.project, req.params.id),
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/batches/:id/progress',
    {
      schema: {
        summary: 'Progress (HTTP polling fallback of /ws/tasks/)',
        tags: ['batches'],
        params: IdParams,
        response: { 200: ProgressView, ...errorResponses(404) },
        security: Security,
      },
    },
    async (req) => toProgressView(await service.read(req.auth!.project, req.params.id)),
  );
}

/**
 * An upload that failed outside our own checks: the client went away, or the body broke.
 * The upload's own errors (ApiError from api/upload.ts) and the service's pass through.
 */
function uploadFailure(err: unknown): unknown {
  // The spec was built from the query string (validate.<name> from ?<name>=): name what the client typed.
  if (err instanceof SpecError) {
    const issues = err.issues.map((i) => {
      const name = /^validate\.(\w+)$/.exec(i.field)?.[1];
      return name && name in CreateBatchQuery.properties ? { ...i, field: `querystring.${name}` } : i;
    });
    return errors.invalidRequest(issues);
  }
  if (err instanceof ApiError) return err;
  const e = err as { code?: string };
  if (e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted') {
    return errors.invalidUpload('stream', 'the request body ended early');
  }
  return err;
}
