/** PostgreSQL connection pools (node-postgres), one per database URL per process. */
import pg from 'pg';

const pools = new Map<string, pg.Pool>();

/** Returns the process-wide pool for `url`, creating it on first use. */
export function getPool(url: string, max = 8): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max, application_name: 'phonebatch' });
    // An idle client's error (e.g. the server restarting) must not crash the process.
    pool.on('error', () => {});
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

/**
 * Runs `fn` in a transaction on one pooled client: COMMIT when it resolves, ROLLBACK when it
 * throws (the error is rethrown). A client that failed is discarded rather than returned, so a
 * half-finished COPY never leaks into the pool (operational case O6).
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
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
    client.release(broken);
  }
}
