/**
 * Operator entry point: `node --import tsx operator/main.ts`.
 *
 * Kubernetes access: $KUBECONFIG, else ~/.kube/config, else the in-cluster ServiceAccount
 * (KubeConfig.loadFromDefault). Temporal/PostgreSQL: lib/config.ts (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, PHONEBATCH_TASK_QUEUE, PHONEBATCH_DATABASE_URL, TEMPORAL_UI_URL).
 * Operator settings (env):
 *   WATCH_NAMESPACE          watch one namespace (default: all)
 *   POD_NAMESPACE            namespace of the Lease (default "default")
 *   LEASE_NAME               default "phonebatch-operator"
 *   OPERATOR_IDENTITY        Lease holder identity (default POD_NAME, else hostname-pid)
 *   LEASE_DURATION_SECONDS   15;  RENEW_DEADLINE_SECONDS 10;  RETRY_PERIOD_SECONDS 2
 *   RESYNC_SECONDS           60   (full re-list + reconcile of every object)
 *   PROGRESS_INTERVAL_MS     500  (how often a running batch's progress is mirrored)
 *   OPERATOR_HTTP_HOST/PORT  0.0.0.0:8081 (/healthz, /readyz, /metrics)
 *   OPERATOR_CONCURRENCY     4    (objects reconciled at once)
 * Only the Lease holder watches and acts; a replica that loses the Lease exits (code 2) so it
 * restarts as a standby with no in-flight work.
 */
import { hostname } from 'node:os';
import { KubeConfig, CustomObjectsApi, type KubernetesListObject } from '@kubernetes/client-node';
import { loadConfig } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import { openBatchService, type OpenedService } from '../batches/service.ts';
import { GROUP, PLURAL, VERSION, type PhoneBatch } from './resource.ts';
import { ResilientInformer } from './informer.ts';
import { LeaderElector } from './leader.ts';
import { createMetrics, serveHttp } from './metrics.ts';
import { Reconciler } from './reconciler.ts';
import { WorkQueue } from './queue.ts';

const env = process.env;
const num = (name: string, dflt: number) => (env[name] ? Number(env[name]) : dflt);

const config = loadConfig();
const identity = env.OPERATOR_IDENTITY || env.POD_NAME || `${hostname()}-${process.pid}`;
const log = logger.child({ component: 'operator', identity });
const kc = new KubeConfig();
kc.loadFromDefault();
const metrics = createMetrics();
const watchNamespace = env.WATCH_NAMESPACE || '';
const resyncMs = num('RESYNC_SECONDS', 60) * 1000;

let informer: ResilientInformer | null = null;
let queue: WorkQueue | null = null;
let opened: OpenedService | null = null;
let shuttingDown = false;

const elector = new LeaderElector({
  kc,
  namespace: env.POD_NAMESPACE || 'default',
  name: env.LEASE_NAME || 'phonebatch-operator',
  identity,
  leaseDurationMs: num('LEASE_DURATION_SECONDS', 15) * 1000,
  renewDeadlineMs: num('RENEW_DEADLINE_SECONDS', 10) * 1000,
  retryPeriodMs: num('RETRY_PERIOD_SECONDS', 2) * 1000,
  log,
  onStartedLeading: () => {
    metrics.isLeader.set(1);
    lead().catch((err) => {
      log.error({ err: String(err) }, 'could not start the controller');
      process.exit(1);
    });
  },
  onStoppedLeading: () => {
    metrics.isLeader.set(0);
    if (shuttingDown) return;
    log.error('lost leadership; exiting so no two replicas act');
    process.exit(2);
  },
});

/**
 * Runs the controller: batch service, informer, work queue. Temporal and PostgreSQL connect on
 * first use; a reconcile that cannot reach them is retried with backoff.
 */
async function lead(): Promise<void> {
  opened = openBatchService(config, { poolSize: 4 });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const path = watchNamespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${watchNamespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
  const list = () =>
    (watchNamespace
      ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: watchNamespace, plural: PLURAL })
      : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as Promise<
      KubernetesListObject<PhoneBatch>
    >;

  const inf: ResilientInformer = new ResilientInformer({
    kc,
    path,
    list,
    onKey: (k) => q.add(k),
    log,
    resyncMs,
    hooks: {
      onList: () => metrics.lists.inc(),
      onExpired: () => metrics.watchExpired.inc(),
      onRestart: () => metrics.informerRestarts.inc(),
    },
  });
  const reconciler = new Reconciler({
    kc,
    service: opened.service,
    config,
    identity,
    log,
    metrics,
    get: (k) => inf.get(k),
    requeue: (k, ms) => q.addAfter(k, ms),
    progressIntervalMs: num('PROGRESS_INTERVAL_MS', 500),
  });
  const q: WorkQueue = new WorkQueue((k) => reconciler.reconcile(k), {
    concurrency: num('OPERATOR_CONCURRENCY', 4),
    minIntervalMs: Math.min(250, num('PROGRESS_INTERVAL_MS', 500)),
  });
  queue = q;
  informer = inf;
  await retry('list phonebatches', () => inf.start());
  log.info({ path, resyncMs }, 'controller started');
  setInterval(() => metrics.queueDepth.set(q.depth()), 1000).unref();
}

async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = Math.min(10_000, 250 * 2 ** attempt);
      log.warn({ err: String(err), retryInMs: delay }, `${what} failed`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const startedAt = Date.now();
const server = await serveHttp(metrics, num('OPERATOR_HTTP_PORT', 8081), env.OPERATOR_HTTP_HOST || '0.0.0.0', {
  // Liveness: a leader whose informer saw nothing (no list, no event) for 3 resync periods
  // has a dead watch that resync could not replace; restarting the process is the fix.
  live: () => !elector.isLeader || !informer?.synced || Date.now() - informer.lastActivity < 3 * resyncMs + 30_000,
  ready: () => true,
  info: () => ({
    identity,
    leader: elector.isLeader,
    holder: elector.holder,
    synced: informer?.synced ?? false,
    uptimeMs: Date.now() - startedAt,
  }),
});
elector.start();
log.info({ identity, watchNamespace: watchNamespace || '(all)' }, 'operator started; waiting for the lease');

async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, 'shutting down');
  queue?.stop();
  await queue?.drain();
  await informer?.stop();
  await elector.stop();
  metrics.isLeader.set(0);
  server.close();
  await opened?.close().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
