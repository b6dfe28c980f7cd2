/**
 * Operational routes, no token needed:
 *  GET /healthz       200 {status:"ok"} while the process serves.
 *  GET /readyz        200 when PostgreSQL and Temporal answer within 2 s, else 503 with the failing check.
 *  GET /metrics       Prometheus text format (prom-client).
 *  GET /openapi.json  OpenAPI 3 document generated from the route schemas.
 */
import type { FastifyInstance } from 'fastify';
import type { BatchService } from '../../batches/service.ts';
import type { ApiMetrics } from '../metrics.ts';

const PUBLIC = { public: true, rateLimit: false } as const;

const Ready = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not ready'] },
    checks: {
      type: 'object',
      required: ['postgres', 'temporal'],
      properties: {
        postgres: { type: 'string', description: '"ok", or what failed.' },
        temporal: { type: 'string', description: '"ok", or what failed.' },
      },
    },
  },
} as const;

export function registerOpsRoutes(app: FastifyInstance, deps: { service: BatchService; metrics: ApiMetrics }): void {
  app.get(
    '/healthz',
    {
      config: PUBLIC,
      schema: {
        summary: 'Liveness',
        tags: ['operations'],
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: PUBLIC,
      schema: {
        summary: 'Readiness: PostgreSQL and Temporal reachable',
        tags: ['operations'],
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_req, reply) => {
      const { postgres, temporal } = await deps.service.health(2000);
      const ready = postgres === 'ok' && temporal === 'ok';
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', checks: { postgres, temporal } });
    },
  );

  app.get(
    '/metrics',
    {
      config: PUBLIC,
      schema: {
        summary: 'Prometheus metrics',
        tags: ['operations'],
        produces: ['text/plain'],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_req, reply) => {
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );

  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, async () => app.swagger());
}
