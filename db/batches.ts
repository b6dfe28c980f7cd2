/**
 * The `batches` table: one row per batch, whatever entry point submitted it. Reads take the
 * caller's project, so another project's batch is simply not found. Functions throw the
 * driver's errors.
 */
import type pg from 'pg';
import type { BatchSpec } from '../batches/spec.ts';
import { ACTIVE_STATUSES, type BatchRecord, type BatchStatus, type Operation } from '../batches/state.ts';
import { storedCounts } from './chunks.ts';
import { withTransaction, type Db } from './pool.ts';

/** `status IN ('pending', 'running')`, written out so the planner matches the partial index batches_project_active. */
const ACTIVE = `status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export interface InsertBatchInput {
  id: string;
  project: string;
  operation: Operation;
  spec: BatchSpec;
  workflowId: string;
  libraryVersion: string;
}

/**
 * Inserts the batch row; a second call with the same id is a no-op (an idempotent submit).
 * Returns the stored row's project and status (`pending` for a new or not yet started batch).
 */
export async function insertBatch(
  pool: pg.Pool,
  b: InsertBatchInput,
): Promise<{ project: string; status: BatchStatus }> {
  await pool.query(
    `INSERT INTO batches (id, project, operation, spec, workflow_id, library_version)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [b.id, b.project, b.operation, JSON.stringify(b.spec), b.workflowId, b.libraryVersion],
  );
  const r = await pool.query<{ project: string; status: BatchStatus }>(
    'SELECT project, status FROM batches WHERE id = $1',
    [b.id],
  );
  return r.rows[0]!;
}

/** The stored project and status of batch `id` in any project, or null when there is none. */
export async function batchStatus(db: Db, id: string): Promise<{ project: string; status: BatchStatus } | null> {
  const r = await db.query<{ project: string; status: BatchStatus }>(
    'SELECT project, status FROM batches WHERE id = $1',
    [id],
  );
  return r.rows[0] ?? null;
}

/** Marks a batch running with its total; keeps the first start time across retries. */
export async function markRunning(pool: pg.Pool, id: string, total: number, libraryVersion: string): Promise<void> {
  await pool.query(
    // Only a batch not yet finished can become running: a late prepare never reopens one.
    `UPDATE batches SET status = 'running', total = $2, library_version = $3,
            started_at = coalesce(started_at, now()) WHERE id = $1 AND ${ACTIVE}`,
    [id, total, libraryVersion],
  );
}

/** Sets the final status; the counts are recomputed from the chunk ledger (rows actually stored). */
export async function recordFinished(pool: pg.Pool, id: string, status: BatchStatus, error?: string): Promise<void> {
  const c = await storedCounts(pool, id);
  await pool.query(
    `UPDATE batches SET status = $2, processed = $3, valid = $4, invalid = $5, error = $6,
            finished_at = coalesce(finished_at, now()) WHERE id = $1`,
    [id, status, c.rows, c.valid, c.invalid, error ?? null],
  );
}

/** The batch if it exists and belongs to `project`, else null. */
export async function getBatch(pool: pg.Pool, project: string, id: string): Promise<BatchRecord | null> {
  const r = await pool.query('SELECT * FROM batches WHERE id = $1 AND project = $2', [id, project]);
  return r.rows[0] ? toRecord(r.rows[0]) : null;
}

function toRecord(r: Record<string, any>): BatchRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: r.id,
    project: r.project,
    operation: r.operation,
    spec: r.spec,
    status: r.status,
    workflowId: r.workflow_id,
    total: num(r.total),
    processed: Number(r.processed),
    valid: Number(r.valid),
    invalid: Number(r.invalid),
    libraryVersion: r.library_version,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/**
 * Keyset position in the batch listing: created_at as whole microseconds since the Unix epoch
 * (decimal digits, exact: timestamptz has microsecond resolution) and the id breaking ties.
 */
export interface BatchCursor {
  createdAtUs: string;
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
): Promise<{ rows: BatchRecord[]; next: BatchCursor | null }> {
  const where = ['project = $1'];
  const args: unknown[] = [q.project];
  if (q.status) where.push(`status = $${args.push(q.status)}`);
  if (q.operation) where.push(`operation = $${args.push(q.operation)}`);
  if (q.after) {
    // Seconds and the microsecond rest apart: each product stays an exact integer in the
    // interval arithmetic (which multiplies in double precision).
    const us = `$${args.push(q.after.createdAtUs)}::bigint`;
    const at = `timestamptz 'epoch' + (${us} / 1000000) * interval '1 second' + (${us} % 1000000) * interval '1 microsecond'`;
    where.push(`(created_at, id) < (${at}, $${args.push(q.after.id)}::uuid)`);
  }
  const r = await pool.query(
    `SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_at_us FROM batches WHERE ${where.join(' AND ')}
     ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
    args,
  );
  const more = r.rows.length > q.limit;
  const page = r.rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { rows: page.map(toRecord), next: more && last ? { createdAtUs: last.created_at_us, id: last.id } : null };
}

/** Unfinished batches of the given projects, oldest first: what the progress hub follows. */
export async function activeBatches(pool: pg.Pool, projects: string[]): Promise<BatchRecord[]> {
  if (!projects.length) return [];
  const r = await pool.query(
    `SELECT * FROM batches WHERE ${ACTIVE} AND project = ANY($1::text[]) ORDER BY created_at LIMIT 10000`,
    [projects],
  );
  return r.rows.map(toRecord);
}

/**
 * Deletes the numbers, inputs, chunk ledger and batch row of `batchId` in one transaction;
 * returns the number of result rows (numbers) deleted. Idempotent.
 */
export async function deleteBatch(db: Db, batchId: string): Promise<number> {
  return withTransaction(db, async (client) => {
    const r = await client.query('DELETE FROM numbers WHERE batch_id = $1', [batchId]);
    await client.query('DELETE FROM batch_inputs WHERE batch_id = $1', [batchId]);
    await client.query('DELETE FROM batch_chunks WHERE batch_id = $1', [batchId]);
    await client.query('DELETE FROM batches WHERE id = $1', [batchId]);
    return r.rowCount ?? 0;
  });
}
