/** Prometheus metrics of one API process (prom-client), served at GET /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  wsConnections: Gauge<'path'>;
  wsMessagesSent: Counter<'type'>;
  wsPolicyCloses: Counter<'reason'>;
  progressQueries: Counter<'result'>;
  activeBatches: Gauge;
}

/** A fresh registry per server, so several servers in one process (tests) do not collide. */
export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'phonebatch_api_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'phonebatch_api_http_requests_total',
      help: 'HTTP requests by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'phonebatch_api_http_request_duration_seconds',
      help: 'HTTP request duration.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'phonebatch_api_ws_connections',
      help: 'Open WebSocket connections.',
      labelNames: ['path'],
      registers: [registry],
    }),
    wsMessagesSent: new Counter({
      name: 'phonebatch_api_ws_messages_sent_total',
      help: 'WebSocket messages sent, by type.',
      labelNames: ['type'],
      registers: [registry],
    }),
    wsPolicyCloses: new Counter({
      name: 'phonebatch_api_ws_policy_closes_total',
      help: 'WebSockets the server closed with 1008 (policy violation), by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    progressQueries: new Counter({
      name: 'phonebatch_api_progress_queries_total',
      help: 'Temporal progress queries made by the hub.',
      labelNames: ['result'],
      registers: [registry],
    }),
    activeBatches: new Gauge({
      name: 'phonebatch_api_active_batches',
      help: 'Batches the progress hub is following.',
      registers: [registry],
    }),
  };
}
