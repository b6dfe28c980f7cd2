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

export function registerOpsRoutes(app: FastifyInstance, deps: { service: BatchService; metrics: ApiMetrics }): void {
  app.get('/healthz', { config: PUBLIC, schema: { summary: 'Liveness', tags: ['operations'] } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: PUBLIC, schema: { summary: 'Readiness: PostgreSQL and Temporal reachable', tags: ['operations'] } },
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
    { config: PUBLIC, schema: { summary: 'Prometheus metrics', tags: ['operations'] } },
    async (_req, reply) => {
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );

  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, async () => app.swagger());
}
