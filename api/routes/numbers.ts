/**
 * Results of a batch (404 unless the batch is in the token's project):
 *
 *  GET /api/v1/batches/:id/numbers  ?valid&type&region&limit&cursor → {items, nextCursor},
 *                                   in (seq, part) order, keyset-paged on the primary key.
 *  GET /api/v1/batches/:id/export   ?format=csv|ndjson&valid → the whole result set, streamed
 *                                   from PostgreSQL `COPY … TO STDOUT` in constant memory.
 */
import type { FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { EXPORT_COLUMNS, type BatchService } from '../../batches/service.ts';
import { decodeNumberCursor, encodeNumberCursor } from '../cursor.ts';
import { errorResponses, ExportQuery, IdParams, NumberPage, NumbersQuery, Security } from '../schemas.ts';

export function registerNumberRoutes(app: FastifyInstance, deps: { service: BatchService }): void {
  app.get<{ Params: IdParams; Querystring: NumbersQuery }>(
    '/api/v1/batches/:id/numbers',
    {
      schema: {
        summary: 'Numbers of a batch, filtered, keyset-paged',
        tags: ['numbers'],
        params: IdParams,
        querystring: NumbersQuery,
        response: { 200: NumberPage, ...errorResponses(404) },
        security: Security,
      },
    },
    async (req) => {
      const q = req.query;
      const page = await deps.service.numbers(req.auth!.project, req.params.id, {
        valid: q.valid,
        type: q.type,
        region: q.region,
        limit: q.limit ?? 100,
        after: q.cursor ? decodeNumberCursor(q.cursor) : undefined,
      });
      return { items: page.rows, nextCursor: page.next ? encodeNumberCursor(page.next) : null };
    },
  );

  app.get<{ Params: IdParams; Querystring: ExportQuery }>(
    '/api/v1/batches/:id/export',
    {
      schema: {
        summary: 'Export all numbers of a batch (streamed)',
        description: `CSV with a header row, or NDJSON (one object per number). Columns: ${EXPORT_COLUMNS.join(', ')}. \`repairs\` and \`warnings\` are lists of codes: JSON arrays in NDJSON (\`[]\` for none), the codes separated by a single space in CSV (\`plus_added idd_assumed\`; empty for none).`,
        tags: ['numbers'],
        params: IdParams,
        querystring: ExportQuery,
        produces: ['text/csv', 'application/x-ndjson'],
        response: {
          200: {
            description: 'The numbers, streamed.',
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/x-ndjson': { schema: { type: 'string' } },
            },
          },
          ...errorResponses(404),
        },
        security: Security,
      },
    },
    async (req, reply) => {
      // Checked before the headers go out, so a missing batch is a 404, not a cut-short 200.
      await deps.service.requireRow(req.auth!.project, req.params.id);
      const format = req.query.format ?? 'csv';
      const out = new PassThrough({ highWaterMark: 256 * 1024 });
      // The COPY runs while fastify pipes `out` to the socket; backpressure flows through the
      // PassThrough, so memory stays bounded whatever the batch size.
      deps.service
        .export(
          req.auth!.project,
          req.params.id,
          format,
          out,
          req.query.valid === undefined ? {} : { valid: req.query.valid },
        )
        .then(() => out.end())
        .catch((err) => {
          // Headers are gone; all that is left is to cut the response short.
          if (!out.destroyed) req.log.warn({ err, batchId: req.params.id }, 'export stream failed');
          out.destroy(err);
        });
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.id}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
        .send(out);
    },
  );
}
