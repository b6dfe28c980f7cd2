/**
 * Real services for integration tests: embedded PostgreSQL, the Temporal CLI dev server and
 * worker processes (child processes, so tests can SIGKILL them). One stack per test file.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { startPostgres, type RunningPostgres, type StartPostgresOptions } from '../../devstack/postgres.ts';
import { startTemporal, type RunningTemporal } from '../../devstack/temporal.ts';
import { spawnWorkerProcess, stopProcess } from '../../devstack/worker.ts';
import { getPool, closePools } from '../../db/pool.ts';
import { connectClient } from '../../workflows/client.ts';
import { BatchService } from '../../batches/service.ts';
import { Projects } from '../../batches/projects.ts';
import type { Config } from '../../lib/config.ts';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { buildServer, type ApiServer } from '../../api/server.ts';
import type { ApiOptions } from '../../api/config.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Stack {
  pg: RunningPostgres;
  temporal: RunningTemporal;
  config: Config;
  pool: pg.Pool;
  client: Client;
  /** The batch service over this stack (what every entry point calls). */
  service: BatchService;
  projects: Projects;
  /** Starts a worker process; resolves once it polls the task queue. */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL, no cleanup: the crash case. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(
  opts: { temporalDbFile?: string; postgres?: StartPostgresOptions } = {},
): Promise<Stack> {
  const [pgSrv, temporal] = await Promise.all([
    startPostgres(opts.postgres),
    startTemporal({ dbFile: opts.temporalDbFile }),
  ]);
  const config: Config = {
    databaseUrl: pgSrv.url,
    temporalAddress: temporal.address,
    temporalNamespace: 'default',
    taskQueue: `test-${randomUUID().slice(0, 8)}`,
    temporalUiUrl: temporal.uiUrl,
  };
  const client = await connectClient(config);
  const workers: WorkerProcess[] = [];
  return {
    pg: pgSrv,
    temporal,
    config,
    pool: getPool(config.databaseUrl),
    client,
    service: new BatchService({ pool: getPool(config.databaseUrl), temporal: client, taskQueue: config.taskQueue }),
    projects: new Projects(getPool(config.databaseUrl)),
    async startWorker(env = {}) {
      const w = spawnWorker(config, env);
      workers.push(w);
      await waitForPoller(client, config.taskQueue);
      return w;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await client.connection.close().catch(() => {});
      await closePools();
      await temporal.stop();
      await pgSrv.stop();
    },
  };
}

function spawnWorker(config: Config, env: Record<string, string>): WorkerProcess {
  // Expected failures (bad-spec tests) would print SDK warnings with stacks; keep errors only.
  const child = spawnWorkerProcess(config, { TEMPORAL_LOG_LEVEL: 'ERROR', ...env });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopProcess(child),
  };
}

/** Waits until some worker polls the task queue (workflow and activity pollers). */
async function waitForPoller(client: Client, taskQueue: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
    });
    if ((r.pollers ?? []).length > 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`no worker polled task queue ${taskQueue} within ${timeoutMs} ms`);
}

/** Waits until `probe` returns true (polling every 100 ms) or throws after `timeoutMs`. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * An API server over `stack` listening on a free loopback port, quiet (errors only) unless a
 * logger is given. `service` replaces the stack's batch service (e.g. one with other options).
 */
export async function listenApi(
  stack: Stack,
  opts: { service?: BatchService; options?: Partial<ApiOptions>; logger?: FastifyBaseLogger } = {},
): Promise<{ server: ApiServer; url: string }> {
  const server = await buildServer({
    service: opts.service ?? stack.service,
    projects: stack.projects,
    options: opts.options,
    logger: opts.logger ?? (pino({ level: 'error' }) as unknown as FastifyBaseLogger),
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url: `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}` };
}
