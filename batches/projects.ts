/**
 * Projects and their API tokens. A project owns batches (a PhoneBatch's project is its
 * namespace) and tokens; a token is shown once, and only its SHA-256 is stored (db/tokens.ts).
 */
import type pg from 'pg';
import { createToken, lookupToken, revokeToken, type CreatedToken, type TokenIdentity } from '../db/tokens.ts';
import { InvalidProjectError } from './errors.ts';

/**
 * Project names: what a Kubernetes namespace may be called (lower-case letters, digits, `-`)
 * plus `.` and `_`, 1–63 characters. The projects table's CHECK holds the same pattern.
 */
export const PROJECT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export type { CreatedToken, TokenIdentity };

export class Projects {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates the project if needed and a new token for it. @throws InvalidProjectError */
  async createToken(project: string, name?: string): Promise<CreatedToken> {
    if (!PROJECT_PATTERN.test(project)) throw new InvalidProjectError(project);
    return createToken(this.pool, project, name);
  }

  /** The identity a token stands for, or null (malformed, unknown or revoked). */
  resolveToken(token: string): Promise<TokenIdentity | null> {
    return lookupToken(this.pool, token);
  }

  /** Revokes a token by id; false if there was no such active token. */
  revokeToken(id: string): Promise<boolean> {
    return revokeToken(this.pool, id);
  }
}
