/**
 * POST /api/v1/validate {numbers: string[1..1000], defaultRegion?} → 200 {results, libraryVersion}.
 * Synchronous and bounded; runs the same core as batches and `phonebatch check`, and each
 * result line is exactly what `phonebatch check` prints for the same input.
 */
import type { FastifyInstance } from 'fastify';
import { validateField } from '../../core/validate.ts';
import { LIBPHONENUMBER_VERSION } from '../../core/metadata.ts';
import { REGIONS } from '../../batches/spec.ts';
import { errors } from '../errors.ts';
import { ErrorResponses, Security, ValidateBody, ValidateResponse } from '../schemas.ts';

export function registerValidateRoute(app: FastifyInstance): void {
  app.post<{ Body: ValidateBody }>(
    '/api/v1/validate',
    {
      schema: {
        summary: 'Validate a small list synchronously',
        description: 'At most 1,000 raw fields of up to 1,024 characters. For more, start a validate batch.',
        tags: ['validate'],
        body: ValidateBody,
        response: { 200: ValidateResponse, ...ErrorResponses },
        security: Security,
      },
    },
    async (req) => {
      const { numbers, defaultRegion } = req.body;
      if (defaultRegion && !REGIONS.includes(defaultRegion)) {
        throw errors.invalidRequest([{ field: 'body.defaultRegion', reason: `unknown region "${defaultRegion}"` }]);
      }
      const results = [];
      for (let i = 0; i < numbers.length; i++) {
        const found = validateField(numbers[i]!, defaultRegion ?? null);
        for (let index = 0; index < found.length; index++) results.push({ line: i + 1, index, ...found[index]! });
      }
      return { results, libraryVersion: LIBPHONENUMBER_VERSION };
    },
  );
}
