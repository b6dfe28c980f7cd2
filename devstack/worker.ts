/**
 * Starts a worker (workflows/worker.ts, or its build: devstack/entry.ts) as a child process, the way demo, tests and benchmarks
 * run it. The V8 old-space limit keeps the worker's RSS flat: without it V8 lets garbage from
 * the row-building hot path pile up to hundreds of MB before collecting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../lib/config.ts';
import { COMPILED, entryArgs } from './entry.ts';

/** Old-space limit of a worker process, in MB (PHONEBATCH_WORKER_HEAP_MB). */
const WORKER_HEAP_MB = Number(process.env.PHONEBATCH_WORKER_HEAP_MB ?? 160);

/** `compiled`: run dist/ instead of the sources (default PHONEBATCH_COMPILED, devstack/entry.ts). */
export function spawnWorkerProcess(
  config: Config,
  env: Record<string, string> = {},
  compiled = COMPILED,
): ChildProcess {
  // PHONEBATCH_WORKER_NODE_ARGS: extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env.PHONEBATCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${WORKER_HEAP_MB}`, ...extra, ...entryArgs('workflows/worker', compiled)],
    {
      env: {
        ...process.env,
        PHONEBATCH_DATABASE_URL: config.databaseUrl,
        TEMPORAL_ADDRESS: config.temporalAddress,
        TEMPORAL_NAMESPACE: config.temporalNamespace,
        PHONEBATCH_TASK_QUEUE: config.taskQueue,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  // Never outlive the parent, whichever exit path it takes.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(t);
}
