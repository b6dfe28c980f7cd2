/**
 * POST /api/v1/validate {numbers: string[1..1000], defaultRegion?, repairs?, defaultAreaCode?,
 * numericSource?} → 200 {results, libraryVersion}.
 * Synchronous and bounded; runs the same core as batches and `phonebatch check`, and each
 * result line is exactly what `phonebatch check` prints for the same input.
 *
 * Budgets, so one request cannot stall the process: fields of at most 1,024 characters (the
 * schema), at most `maxResults` numbers found over the whole request (else 400, and the work
 * stops there), and matching runs in api/slices.ts's slices, so other requests get a turn.
 */
import type { FastifyInstance } from 'fastify';
import { validateField } from '../../core/validate.ts';
import { validateOptionsOf } from '../../batches/spec.ts';
import { LIBPHONENUMBER_VERSION } from '../../core/metadata.ts';
import { errors } from '../errors.ts';
import { inSlices } from '../slices.ts';
import { errorResponses, Security, ValidateBody, ValidateResponse } from '../schemas.ts';

export function registerValidateRoute(app: FastifyInstance, opts: { maxResults: number }): void {
  app.post<{ Body: ValidateBody }>(
    '/api/v1/validate',
    {
      schema: {
        summary: 'Validate a small list synchronously',
        description: `At most 1,000 raw fields of up to 1,024 characters, and at most ${opts.maxResults} numbers found in them (400 past it). For more, start a validate batch.`,
        tags: ['validate'],
        body: ValidateBody,
        response: { 200: ValidateResponse, ...errorResponses(413, 415) },
        security: Security,
      },
    },
    async (req) => {
      const { numbers, defaultRegion } = req.body;
      const options = validateOptionsOf(req.body);
      const results: Array<{ line: number; index: number } & ReturnType<typeof validateField>[number]> = [];
      let i = 0;
      await inSlices(() => {
        if (i >= numbers.length) return true;
        // The client went away: stop matching for nobody.
        if (req.raw.socket.destroyed) throw errors.invalidUpload('stream', 'the client closed the request');
        const found = validateField(numbers[i]!, defaultRegion ?? null, options);
        if (results.length + found.length > opts.maxResults) {
          throw errors.invalidRequest([
            {
              field: `body.numbers[${i}]`,
              reason: `the request holds more than ${opts.maxResults} numbers (counting every number in every field); send fewer fields or start a validate batch`,
            },
          ]);
        }
        for (let index = 0; index < found.length; index++) results.push({ line: i + 1, index, ...found[index]! });
        return ++i >= numbers.length;
      });
      return { results, libraryVersion: LIBPHONENUMBER_VERSION };
    },
  );
}
