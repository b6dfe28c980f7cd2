/**
 * Worker entry point: polls the task queue and runs the PhoneBatch workflow and its
 * activities. Scale out by running more of these; configuration comes from lib/config.ts.
 */
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from './activities.ts';
import { getPool } from '../db/pool.ts';
import { loadConfig, type Config } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';

const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles the workflow code once per process (webpack; takes a few seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log() {}, trace() {}, debug() {}, info() {},
  warn: (m: string) => logger.warn(m),
  error: (m: string) => logger.error(m),
};

export interface WorkerOptions {
  config: Config;
  /** Activities run at once by this worker. */
  maxConcurrentActivities?: number;
}

export async function createWorker({ config, maxConcurrentActivities = 4 }: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ pool: getPool(config.databaseUrl, maxConcurrentActivities + 2) }),
    maxConcurrentActivityTaskExecutions: maxConcurrentActivities,
  });
  return { worker, connection };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const config = loadConfig();
  const { worker } = await createWorker({ config, maxConcurrentActivities: Number(process.env.PHONEBATCH_WORKER_CONCURRENCY ?? 4) });
  logger.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker started');
  await worker.run();
}
