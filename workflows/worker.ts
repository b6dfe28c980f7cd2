/**
 * Worker entry point: polls the task queue and runs the PhoneBatch workflow and its
 * activities. Scale out by running more of these; configuration comes from lib/config.ts.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { workflowBundlePath } from './bundle.ts';
import { fileURLToPath } from 'node:url';
import { createActivities } from './activities.ts';
import { getPool } from '../db/pool.ts';
import { loadConfig, type Config } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';

export interface WorkerOptions {
  config: Config;
  /** Activities run at once by this worker. */
  maxConcurrentActivities?: number;
}

export async function createWorker({
  config,
  maxConcurrentActivities = 4,
}: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: createActivities({ pool: getPool(config.databaseUrl, maxConcurrentActivities + 2) }),
    maxConcurrentActivityTaskExecutions: maxConcurrentActivities,
  });
  return { worker, connection };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The SDK's own state-change chatter goes to stderr at INFO; keep it to warnings unless asked.
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL ?? 'WARN') as 'WARN') });
  const config = loadConfig();
  const { worker } = await createWorker({
    config,
    maxConcurrentActivities: Number(process.env.PHONEBATCH_WORKER_CONCURRENCY ?? 4),
  });
  logger.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker started');
  await worker.run();
}
