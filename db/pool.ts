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

/**
 * Runs `fn` in a transaction on one pooled client: COMMIT when it resolves, ROLLBACK when it
 * throws (the error is rethrown). A client that failed is discarded rather than returned, so a
 * half-finished COPY never leaks into the pool (docs/architecture.md, O6).
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
