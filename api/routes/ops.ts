/**
 * Operational routes, no token needed:
 *  GET /healthz       200 {status:"ok"} while the process serves.
 *  GET /readyz        200 when PostgreSQL and Temporal answer within 2 s, else 503 with the failing check.
 *  GET /metrics       Prometheus text format (prom-client).
 *  GET /openapi.json  OpenAPI 3 document generated from the route schemas.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { ApiMetrics } from '../metrics.ts';

const PUBLIC = { public: true, rateLimit: false } as const;

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`no answer within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(t);
  }
}

export function registerOpsRoutes(
  app: FastifyInstance,
  deps: { pool: pg.Pool; temporal: Client; metrics: ApiMetrics },
): void {
  app.get('/healthz', { config: PUBLIC, schema: { summary: 'Liveness', tags: ['operations'] } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: PUBLIC, schema: { summary: 'Readiness: PostgreSQL and Temporal reachable', tags: ['operations'] } },
    async (_req, reply) => {
      const check = async (fn: () => Promise<unknown>) => {
        try {
          await within(2000, fn());
          return 'ok';
        } catch (err) {
          return `failed: ${(err as Error).message}`;
        }
      };
      const [postgres, temporal] = await Promise.all([
        check(() => deps.pool.query('SELECT 1')),
        check(() =>
          deps.temporal.connection.withDeadline(Date.now() + 2000, () =>
            deps.temporal.workflowService.getSystemInfo({}),
          ),
        ),
      ]);
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
