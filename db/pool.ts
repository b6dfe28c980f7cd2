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
