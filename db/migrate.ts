/**
 * Applies the schema migrations in db/migrations (node-pg-migrate, SQL files) to a database.
 * Idempotent: applied migrations are recorded in `pgmigrations`. Throws on a failed migration.
 */
import { runner } from 'node-pg-migrate';
import { fileURLToPath } from 'node:url';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export async function migrate(databaseUrl: string): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    log: () => {},
    noLock: false,
  });
}
