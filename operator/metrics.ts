/**
 * Prometheus metrics (prom-client) and the health/readiness/metrics HTTP endpoints.
 *  GET /healthz  liveness: 200 unless the leader's informer has seen no list or event for
 *                `staleAfterMs` (a silently dead watch; the resync re-lists well within it)
 *  GET /readyz   readiness: 200 once started (standbys are ready to take over)
 *  GET /metrics  Prometheus text format
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'phonebatch_operator_' });
  const m = {
    registry,
    isLeader: new Gauge({
      name: 'phonebatch_operator_is_leader',
      help: '1 while this replica holds the Lease',
      registers: [registry],
    }),
    reconciles: new Counter({
      name: 'phonebatch_operator_reconcile_total',
      help: 'Reconcile passes by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcileSeconds: new Histogram({
      name: 'phonebatch_operator_reconcile_duration_seconds',
      help: 'Duration of a reconcile pass',
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    workflowsStarted: new Counter({
      name: 'phonebatch_operator_workflows_started_total',
      help: 'Workflows started by this replica',
      registers: [registry],
    }),
    statusPatches: new Counter({
      name: 'phonebatch_operator_status_patches_total',
      help: 'Status subresource patches',
      registers: [registry],
    }),
    events: new Counter({
      name: 'phonebatch_operator_events_total',
      help: 'Kubernetes Events emitted',
      labelNames: ['reason'],
      registers: [registry],
    }),
    lists: new Counter({
      name: 'phonebatch_operator_informer_lists_total',
      help: 'Full lists of PhoneBatches (start, resync, after 410)',
      registers: [registry],
    }),
    watchExpired: new Counter({
      name: 'phonebatch_operator_watch_expired_total',
      help: 'Watches that ended with 410 Gone',
      registers: [registry],
    }),
    informerRestarts: new Counter({
      name: 'phonebatch_operator_informer_restarts_total',
      help: 'Informer restarts after a watch error',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'phonebatch_operator_queue_depth',
      help: 'Keys queued or being reconciled',
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function serveHttp(
  metrics: Metrics,
  port: number,
  host: string,
  probes: { live: () => boolean; ready: () => boolean; info: () => Record<string, unknown> },
): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/healthz') || url.startsWith('/readyz')) {
      const ok = url.startsWith('/healthz') ? probes.live() : probes.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, ...probes.info() }));
    } else if (url.startsWith('/metrics')) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
