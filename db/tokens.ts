/**
 * Projects and API tokens. A token is `pbt_` + 43 base64url characters (32 random bytes); the
 * database keeps only its SHA-256, so a database dump cannot be replayed as a token.
 */
import type pg from 'pg';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

const TOKEN_PREFIX = 'pbt_';
/** Shape of a token: prefix + 32 bytes base64url (no padding). */
const TOKEN_PATTERN = /^pbt_[A-Za-z0-9_-]{43}$/;

export interface CreatedToken {
  id: string;
  project: string;
  /** The plaintext token: shown once, never stored. */
  token: string;
}

export interface TokenIdentity {
  tokenId: string;
  project: string;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Creates the project if needed and a new token for it (the name is checked by batches/projects.ts). */
export async function createToken(pool: pg.Pool, project: string, name?: string): Promise<CreatedToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = randomUUID();
  await pool.query('INSERT INTO projects (name) VALUES ($1) ON CONFLICT DO NOTHING', [project]);
  await pool.query('INSERT INTO api_tokens (id, project, token_hash, hint, name) VALUES ($1, $2, $3, $4, $5)', [
    id,
    project,
    hashToken(token),
    token.slice(0, TOKEN_PREFIX.length + 4),
    name ?? null,
  ]);
  return { id, project, token };
}

/** The identity a token stands for, or null (malformed, unknown or revoked). */
export async function lookupToken(pool: pg.Pool, token: string): Promise<TokenIdentity | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const hash = hashToken(token);
  const r = await pool.query<{ id: string; project: string; token_hash: Buffer }>(
    'SELECT id, project, token_hash FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [hash],
  );
  const row = r.rows[0];
  // The index probe already matched; the constant-time compare keeps the check explicit.
  if (!row || row.token_hash.length !== hash.length || !timingSafeEqual(row.token_hash, hash)) return null;
  return { tokenId: row.id, project: row.project };
}

/** Revokes a token by id; returns false if there was no such active token. */
export async function revokeToken(pool: pg.Pool, id: string): Promise<boolean> {
  const r = await pool.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return (r.rowCount ?? 0) > 0;
}
