/** PostgreSQL connection pools (node-postgres), one per database URL per process. */
import pg from 'pg';

const pools = new Map<string, pg.Pool>();

/** Returns the process-wide pool for `url`, creating it on first use. */
export function getPool(url: string, max = 8): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    // Waiting for a connection is bounded, so an exhausted pool surfaces as an error, not a hang.
    pool = new pg.Pool({ connectionString: url, max, application_name: 'phonebatch', connectionTimeoutMillis: 30_000 });
    // An idle client's error (e.g. the server restarting) must not crash the process.
    pool.on('error', () => {});
    // Nor may a checked-out client's (e.g. the server dropping a connection mid-COPY): pg emits
    // 'error' on the client, which crashes the process when nothing listens. The query in flight
    // still rejects with the error, and withTransaction then discards the client.
    pool.on('connect', (client) => client.on('error', () => {}));
    pools.set(url, pool);
  }
  return pool;
}

/** Closes every pool this process opened. */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end()));
}

/** A pool, or one client checked out of it (to run on a connection the caller already holds). */
export type Db = pg.Pool | pg.PoolClient;

/**
 * Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is
 * rethrown). Given a pool, on one client checked out for it; a client that failed is discarded
 * rather than returned, so a half-finished COPY never leaks into the pool (docs/architecture.md,
 * O6). Given a client, on that client, which stays the caller's to release.
 */
export async function withTransaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const own = !('release' in db);
  const client = own ? await db.connect() : db;
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    if (own) client.release(broken);
  }
}

/**
 * Runs `fn` on one client holding PostgreSQL's session advisory lock on `key`, so that across
 * processes at most one caller with that key runs at a time; resolves null at once, without
 * waiting, when another session holds it (no connection is held by a waiter). `fn` gets the
 * locking client, so it needs no second connection from the pool. The lock is released when
 * `fn` settles; a client whose `fn` threw is discarded, which also ends its session and lock.
 */
export async function withAdvisoryLock<T>(
  pool: pg.Pool,
  key: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T | null> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [
      key,
    ]);
    if (!got.rows[0]!.ok) return null;
    const result = await fn(client);
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    return result;
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Node socket errors that mean the server is not reachable (or went away mid-query). */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * True for an error that means PostgreSQL did not answer, as opposed to one it gave: a socket
 * error, a dropped or timed-out connection (node-postgres' own messages), SQLSTATE class 08
 * (connection exception), 57P01–57P03 (shutdown, crash shutdown, cannot connect now) or 53300
 * (too many connections). Codes from the PostgreSQL manual, appendix A.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (SOCKET_ERRORS.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnavailable);
  return /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/.test(
    String(e?.message),
  );
}
