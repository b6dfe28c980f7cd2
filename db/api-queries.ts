/**
 * Read paths of the API: project-scoped batch lookups and keyset pages.
 * Every query takes the caller's project, so another project's rows are simply not found.
 * Functions throw the driver's errors.
 */
import type pg from 'pg';
import { toBatchRow, type BatchRow, type BatchStatus } from './batches.ts';

/** The batch if it exists and belongs to `project`, else null. */
export async function getProjectBatch(pool: pg.Pool, project: string, id: string): Promise<BatchRow | null> {
  const r = await pool.query('SELECT * FROM batches WHERE id = $1 AND project = $2', [id, project]);
  return r.rows[0] ? toBatchRow(r.rows[0]) : null;
}

/** Keyset position in the batch listing (created_at as Postgres text keeps microseconds). */
export interface BatchCursor {
  createdAt: string;
  id: string;
}

export interface ListBatchesQuery {
  project: string;
  status?: BatchStatus;
  operation?: 'generate' | 'validate';
  limit: number;
  after?: BatchCursor;
}

/** Newest first; returns up to `limit` rows and the cursor of the next page (null at the end). */
export async function listBatches(
  pool: pg.Pool,
  q: ListBatchesQuery,
): Promise<{ rows: BatchRow[]; next: BatchCursor | null }> {
  const where = ['project = $1'];
  const args: unknown[] = [q.project];
  if (q.status) where.push(`status = $${args.push(q.status)}`);
  if (q.operation) where.push(`operation = $${args.push(q.operation)}`);
  if (q.after)
    where.push(`(created_at, id) < ($${args.push(q.after.createdAt)}::timestamptz, $${args.push(q.after.id)}::uuid)`);
  const r = await pool.query(
    `SELECT *, created_at::text AS created_at_text FROM batches WHERE ${where.join(' AND ')}
     ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    args,
  );
  const more = r.rows.length > q.limit;
  const page = r.rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { rows: page.map(toBatchRow), next: more && last ? { createdAt: last.created_at_text, id: last.id } : null };
}

/** One stored number, as the API shows it (`type` as in `phonebatch check`). */
export interface NumberRow {
  seq: number;
  part: number;
  raw: string | null;
  valid: boolean;
  possible: boolean | null;
  e164: string | null;
  region: string | null;
  type: string | null;
  ext: string | null;
  national: string | null;
  error: string | null;
  detail: string | null;
}

export interface ListNumbersQuery {
  batchId: string;
  valid?: boolean;
  type?: string;
  region?: string;
  limit: number;
  after?: { seq: number; part: number };
}

/** Numbers in (seq, part) order, keyset-paged on the primary key. */
export async function listNumbers(
  pool: pg.Pool,
  q: ListNumbersQuery,
): Promise<{ rows: NumberRow[]; next: { seq: number; part: number } | null }> {
  const where = ['batch_id = $1'];
  const args: unknown[] = [q.batchId];
  if (q.after) where.push(`(seq, part) > ($${args.push(q.after.seq)}::bigint, $${args.push(q.after.part)}::smallint)`);
  if (q.valid !== undefined) where.push(`valid = $${args.push(q.valid)}`);
  if (q.type) where.push(`number_type = $${args.push(q.type)}`);
  if (q.region) where.push(`region = $${args.push(q.region)}`);
  const r = await pool.query(
    `SELECT seq, part, raw, valid, possible, e164, region, number_type, ext, national, error, detail
     FROM numbers WHERE ${where.join(' AND ')} ORDER BY seq, part LIMIT ${q.limit + 1}`,
    args,
  );
  const rows: NumberRow[] = r.rows.slice(0, q.limit).map((x) => ({
    seq: Number(x.seq),
    part: Number(x.part),
    raw: x.raw,
    valid: x.valid,
    possible: x.possible,
    e164: x.e164,
    region: x.region,
    type: x.number_type,
    ext: x.ext,
    national: x.national,
    error: x.error,
    detail: x.detail,
  }));
  const last = rows[rows.length - 1];
  return { rows, next: r.rows.length > q.limit && last ? { seq: last.seq, part: last.part } : null };
}

/** Unfinished batches of the given projects: the hub's list of what to ask Temporal about. */
export async function activeBatches(
  pool: pg.Pool,
  projects: string[],
): Promise<Array<{ id: string; project: string; status: BatchStatus; operation: string; createdAt: Date }>> {
  if (!projects.length) return [];
  const r = await pool.query(
    `SELECT id, project, status, operation, created_at FROM batches
     WHERE status IN ('pending', 'running') AND project = ANY($1::text[]) ORDER BY created_at`,
    [projects],
  );
  return r.rows.map((x) => ({
    id: x.id,
    project: x.project,
    status: x.status,
    operation: x.operation,
    createdAt: x.created_at,
  }));
}
