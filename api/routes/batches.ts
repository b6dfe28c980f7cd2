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
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { assertBatchSpec, REGIONS, type BatchSpec, type SpecIssue } from '../../batches/spec.ts';
import { startBatch } from '../../workflows/client.ts';
import type { BatchProgress } from '../../workflows/shared.ts';
import type { Config } from '../../lib/config.ts';
import { loadInputs, type BatchRow } from '../../db/batches.ts';
import { getProjectBatch, listBatches } from '../../db/api-queries.ts';
import { ApiError, errors } from '../errors.ts';
import { decodeBatchCursor, encodeBatchCursor } from '../cursor.ts';
import { bodyGone, clientClosedUpload, uploadRows, type UploadFormat } from '../upload.ts';
import { normalizeUuid } from '../validation.ts';
import { cancelProjectBatch, progressWithDeadline, requireBatch, TERMINAL_STATUSES } from '../batch-service.ts';
import { percent, type ProgressHub } from '../progress-hub.ts';
import type { ApiOptions } from '../config.ts';
import {
  BatchPage,
  BatchView,
  CreateBatchBody,
  CreateBatchQuery,
  CreatedBatch,
  ErrorResponses,
  IdParams,
  ListBatchesQuery,
  ProgressView,
  Security,
} from '../schemas.ts';

export interface BatchRouteDeps {
  pool: pg.Pool;
  temporal: Client;
  config: Config;
  options: ApiOptions;
  hub: ProgressHub;
}

export const UPLOAD_TYPES: Record<string, UploadFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toBatchView(row: BatchRow, live?: BatchProgress): BatchView {
  const total = live ? live.total : row.total;
  const processed = live ? live.processed : row.processed;
  return {
    id: row.id,
    project: row.project,
    operation: row.operation,
    status: row.status,
    ...(live ? { phase: live.phase } : {}),
    workflowId: row.workflowId,
    spec: row.spec,
    total,
    processed,
    valid: live ? live.valid : row.valid,
    invalid: live ? live.invalid : row.invalid,
    progress: row.status === 'succeeded' ? 100 : percent(processed, total ?? 0),
    libraryVersion: row.libraryVersion,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

/** The field path of the first NUL or lone surrogate (PostgreSQL jsonb refuses both), or null. */
function badTextField(v: unknown, path: string): string | null {
  if (typeof v === 'string') return v.includes('\u0000') || LONE_SURROGATE.test(v) ? path : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const f = badTextField(v[i], `${path}.${i}`);
      if (f) return f;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const f = badTextField(k, path) ?? badTextField(x, path === 'spec' ? k : `${path}.${k}`);
      if (f) return f;
    }
  }
  return null;
}

export function registerBatchRoutes(app: FastifyInstance, deps: BatchRouteDeps): void {
  const { pool, temporal, config, hub } = deps;

  /** Live progress, or undefined if the workflow is not there yet (pending) or is slow. */
  const live = async (row: BatchRow): Promise<BatchProgress | undefined> => {
    if (TERMINAL_STATUSES.has(row.status)) return undefined;
    try {
      return await progressWithDeadline(temporal, row.id, 1500);
    } catch {
      return undefined;
    }
  };

  app.post<{ Querystring: CreateBatchQuery; Body: unknown }>(
    '/api/v1/batches',
    {
      schema: {
        summary: 'Start a generate or validate batch',
        description:
          'JSON body: the batch spec (the same as the CLI and the PhoneBatch resource). A validate batch over a file: send the file as text/csv (header row) or application/x-ndjson; it is streamed into PostgreSQL, never held whole.',
        tags: ['batches'],
        querystring: CreateBatchQuery,
        body: CreateBatchBody,
        response: { 202: CreatedBatch, ...ErrorResponses },
        security: Security,
      },
    },
    async (req, reply) => {
      const project = req.auth!.project;
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const upload = UPLOAD_TYPES[mediaType];
      let started: { batchId: string; workflowId: string };
      let rows: number | undefined;
      if (upload) {
        const q = req.query;
        const declared = Number(req.headers['content-length']);
        if (declared > deps.options.uploadLimitBytes) throw errors.payloadTooLarge(deps.options.uploadLimitBytes);
        if (q.defaultRegion && !REGIONS.includes(q.defaultRegion)) {
          throw errors.invalidRequest([
            { field: 'querystring.defaultRegion', reason: `unknown region "${q.defaultRegion}"` },
          ]);
        }
        const specFor = (n: number): BatchSpec => ({
          validate: { ...(q.defaultRegion ? { defaultRegion: q.defaultRegion } : {}), source: { upload: { rows: n } } },
        });
        // The client may already be gone (e.g. it dropped while we authenticated): no batch row.
        if (bodyGone(req.body as Readable)) throw clientClosedUpload();
        try {
          started = await startBatch(temporal, pool, config, {
            spec: specFor(0),
            project,
            beforeStart: async (id) => {
              rows = await loadInputs(
                pool,
                id,
                uploadRows(req.body as Readable, {
                  format: upload,
                  limitBytes: deps.options.uploadLimitBytes,
                  column: q.column,
                  regionColumn: q.regionColumn,
                }),
              );
              return specFor(rows);
            },
          });
        } catch (err) {
          // startBatch has already removed the batch row: no workflow will run for it.
          throw err instanceof ApiError ? err : uploadFailure(err);
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
        const bad = badTextField(body, 'spec');
        if (bad)
          throw errors.invalidSpec([{ field: bad, reason: 'contains a NUL character or an unpaired surrogate' }]);
        const spec = assertBatchSpec(body);
        const source = spec.validate?.source;
        // Ids are lower case everywhere (workflow ids are built from them).
        if (source && 'batchRef' in source && typeof source.batchRef === 'string')
          source.batchRef = normalizeUuid(source.batchRef);
        if (source && 'upload' in source) {
          throw errors.invalidSpec([
            {
              field: 'validate.source.upload',
              reason: 'send the file itself as a text/csv or application/x-ndjson body to upload it',
            },
          ]);
        }
        if (source && 'batchRef' in source && !(await getProjectBatch(pool, project, source.batchRef))) {
          throw new ApiError(404, 'not_found', `validate.source.batchRef: no batch ${source.batchRef} in this project`);
        }
        try {
          started = await startBatch(temporal, pool, config, { spec, project });
        } catch (err) {
          if (isTemporalUnavailable(err)) throw errors.unavailable('Temporal');
          throw err;
        }
      }
      hub.track({
        id: started.batchId,
        project,
        operation: upload ? 'validate' : (req.body as BatchSpec).generate ? 'generate' : 'validate',
      });
      return reply.code(202).send({
        id: started.batchId,
        workflowId: started.workflowId,
        status: 'pending',
        ...(rows !== undefined ? { rows } : {}),
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
        response: { 200: BatchPage, ...ErrorResponses },
        security: Security,
      },
    },
    async (req) => {
      const q = req.query;
      const page = await listBatches(pool, {
        project: req.auth!.project,
        status: q.status as BatchRow['status'] | undefined,
        operation: q.operation,
        limit: q.limit ?? 100,
        after: q.cursor ? decodeBatchCursor(q.cursor) : undefined,
      });
      return {
        items: page.rows.map((r) => toBatchView(r)),
        nextCursor: page.next ? encodeBatchCursor(page.next) : null,
      };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/batches/:id',
    {
      schema: {
        summary: 'A batch: status and counts (live from the workflow while it runs)',
        tags: ['batches'],
        params: IdParams,
        response: { 200: BatchView, ...ErrorResponses },
        security: Security,
      },
    },
    async (req) => {
      const row = await requireBatch(deps, req.auth!.project, req.params.id);
      return toBatchView(row, await live(row));
    },
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
          202: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } },
          ...ErrorResponses,
        },
        security: Security,
      },
    },
    async (req, reply) => {
      await cancelProjectBatch(deps, req.auth!.project, req.params.id);
      return reply.code(202).send({ id: req.params.id, status: 'cancelling' });
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/batches/:id/progress',
    {
      schema: {
        summary: 'Progress (HTTP polling fallback of /ws/tasks/)',
        tags: ['batches'],
        params: IdParams,
        response: { 200: ProgressView, ...ErrorResponses },
        security: Security,
      },
    },
    async (req) => {
      const row = await requireBatch(deps, req.auth!.project, req.params.id);
      const fromRow = () => ({
        id: row.id,
        status: row.status,
        phase: row.status,
        progress: row.status === 'succeeded' ? 100 : percent(row.processed, row.total ?? 0),
        total: row.total ?? 0,
        processed: row.processed,
        valid: row.valid,
        invalid: row.invalid,
        source: 'database' as const,
      });
      if (TERMINAL_STATUSES.has(row.status)) return fromRow();
      let p: BatchProgress;
      try {
        p = await progressWithDeadline(temporal, row.id, 3000);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return fromRow(); // created, workflow not started yet
        throw errors.unavailable('Temporal');
      }
      return {
        id: row.id,
        status: TERMINAL_STATUSES.has(p.phase) ? p.phase : 'running',
        phase: p.phase,
        progress: p.phase === 'succeeded' ? 100 : percent(p.processed, p.total),
        total: p.total,
        processed: p.processed,
        valid: p.valid,
        invalid: p.invalid,
        source: 'workflow' as const,
      };
    },
  );
}

function isTemporalUnavailable(err: unknown): boolean {
  const e = err as { code?: number; name?: string };
  return e?.name === 'ServiceError' || e?.code === 14;
}

/** An upload that failed outside our own checks: the client went away, or the body broke. */
function uploadFailure(err: unknown): ApiError | unknown {
  const e = err as { code?: string };
  if (e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted') {
    return errors.invalidUpload('stream', 'the request body ended early');
  }
  if (isTemporalUnavailable(err)) return errors.unavailable('Temporal');
  return err;
}

export type { SpecIssue };
