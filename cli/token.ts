/**
 * `phonebatch token create --project NAME [--name LABEL]`: creates the project if needed and a
 * new API token for it. Prints `{"id","project","token"}` as one JSON line on stdout: the only
 * time the token is ever shown (the database keeps its SHA-256). Throws UsageError for a bad
 * project name.
 */
import type pg from 'pg';
import { loadConfig, type Config } from '../lib/config.ts';
import { getPool, closePools } from '../db/pool.ts';
import { createToken, PROJECT_PATTERN, type CreatedToken } from '../db/tokens.ts';
import { UsageError } from './errors.ts';

export async function runTokenCreate(
  opts: { project: string; name?: string },
  io: { config?: Config; pool?: pg.Pool; out?: NodeJS.WritableStream } = {},
): Promise<CreatedToken> {
  const out = io.out ?? process.stdout;
  if (!PROJECT_PATTERN.test(opts.project)) {
    throw new UsageError(
      `--project: "${opts.project}" is not a project name (lower-case letters, digits, ".", "_", "-"; 1–63 characters)`,
    );
  }
  try {
    const created = await createToken(
      io.pool ?? getPool((io.config ?? loadConfig()).databaseUrl),
      opts.project,
      opts.name,
    );
    out.write(JSON.stringify({ id: created.id, project: created.project, token: created.token }) + '\n');
    return created;
  } finally {
    if (!io.pool) await closePools(); // only pools this command opened
  }
}
