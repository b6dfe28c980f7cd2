/** Batch rows and validate inputs in PostgreSQL. All functions throw the driver's errors. */
import type pg from 'pg';
import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { BatchSpec } from '../batches/spec.ts';
import { copyText, storedCounts } from './chunks.ts';
import { withTransaction } from './pool.ts';

export type BatchStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BatchRow {
  id: string;
  project: string;
  operation: 'generate' | 'validate';
  spec: BatchSpec;
  status: BatchStatus;
  workflowId: string | null;
  total: number | null;
  processed: number;
  valid: number;
  invalid: number;
  libraryVersion: string;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface CreateBatchInput {
  id: string;
  project: string;
  spec: BatchSpec;
  workflowId: string;
  libraryVersion: string;
}

/**
 * Inserts the batch row; a second call with the same id is a no-op (idempotent start).
 * Returns the batch's status: 'pending' for a new (or not yet started) batch.
 */
export async function createBatch(pool: pg.Pool, b: CreateBatchInput): Promise<BatchStatus> {
  await pool.query(
    `INSERT INTO batches (id, project, operation, spec, workflow_id, library_version)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [
      b.id,
      b.project,
      b.spec.generate ? 'generate' : 'validate',
      JSON.stringify(b.spec),
      b.workflowId,
      b.libraryVersion,
    ],
  );
  const r = await pool.query<{ status: BatchStatus }>('SELECT status FROM batches WHERE id = $1', [b.id]);
  return r.rows[0]!.status;
}

/** Marks a batch running with its total; keeps the first start time across retries. */
export async function markRunning(pool: pg.Pool, id: string, total: number, libraryVersion: string): Promise<void> {
  await pool.query(
    // Only a batch not yet finished can become running: a late prepare never reopens one.
    `UPDATE batches SET status = 'running', total = $2, library_version = $3,
            started_at = coalesce(started_at, now()) WHERE id = $1 AND status IN ('pending', 'running')`,
    [id, total, libraryVersion],
  );
}

/** Sets the final status; the counts are recomputed from the chunk ledger (rows actually stored). */
export async function finishBatch(pool: pg.Pool, id: string, status: BatchStatus, error?: string): Promise<void> {
  const c = await storedCounts(pool, id);
  await pool.query(
    `UPDATE batches SET status = $2, processed = $3, valid = $4, invalid = $5, error = $6,
            finished_at = coalesce(finished_at, now()) WHERE id = $1`,
    [id, status, c.rows, c.valid, c.invalid, error ?? null],
  );
}

export async function getBatch(pool: pg.Pool, id: string): Promise<BatchRow | null> {
  const r = await pool.query('SELECT * FROM batches WHERE id = $1', [id]);
  return r.rows[0] ? toBatchRow(r.rows[0]) : null;
}

export function toBatchRow(r: Record<string, any>): BatchRow {
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

/** One raw input row of a validate batch. */
export interface InputRow {
  raw: string;
  /** Per-row default region hint (e.g. a CSV's country column); null uses the batch's. */
  defaultRegion?: string | null;
}

/**
 * Streams input rows into batch_inputs with COPY (row_no from 0, in order). Memory stays flat
 * for any input size. Idempotent per batch: existing rows are replaced in the same transaction.
 * Returns the number of rows loaded.
 */
export async function loadInputs(
  pool: pg.Pool,
  batchId: string,
  rows: AsyncIterable<InputRow> | Iterable<InputRow>,
): Promise<number> {
  let n = 0;
  async function* lines() {
    let block = '';
    for await (const r of rows) {
      block += `${batchId}\t${n++}\t${copyText(r.raw)}\t${copyText(r.defaultRegion ?? null)}\n`;
      if (block.length > 65536) {
        yield block;
        block = '';
      }
    }
    if (block) yield block;
  }
  await withTransaction(pool, async (client) => {
    await client.query('DELETE FROM batch_inputs WHERE batch_id = $1', [batchId]);
    const copy = client.query(copyFrom('COPY batch_inputs (batch_id, row_no, raw, default_region) FROM STDIN'));
    await pipeline(Readable.from(lines(), { objectMode: false }), copy);
  });
  return n;
}

/**
 * Deletes the numbers, inputs, chunk ledger and batch row of `batchId` in one transaction;
 * returns the number of result rows (numbers) deleted. Idempotent.
 */
export async function deleteBatchRows(pool: pg.Pool, batchId: string): Promise<number> {
  return withTransaction(pool, async (client) => {
    const r = await client.query('DELETE FROM numbers WHERE batch_id = $1', [batchId]);
    await client.query('DELETE FROM batch_inputs WHERE batch_id = $1', [batchId]);
    await client.query('DELETE FROM batch_chunks WHERE batch_id = $1', [batchId]);
    await client.query('DELETE FROM batches WHERE id = $1', [batchId]);
    return r.rowCount ?? 0;
  });
}

/** Input rows [from, to) of a validate batch, in row order. */
export async function readInputs(
  pool: pg.Pool,
  batchId: string,
  from: number,
  to: number,
): Promise<Array<{ rowNo: number; raw: string; defaultRegion: string | null }>> {
  const r = await pool.query(
    `SELECT row_no, raw, default_region FROM batch_inputs
     WHERE batch_id = $1 AND row_no >= $2 AND row_no < $3 ORDER BY row_no`,
    [batchId, from, to],
  );
  return r.rows.map((x) => ({ rowNo: Number(x.row_no), raw: x.raw, defaultRegion: x.default_region }));
}

export async function countInputs(pool: pg.Pool, batchId: string): Promise<number> {
  const r = await pool.query('SELECT count(*)::bigint AS n FROM batch_inputs WHERE batch_id = $1', [batchId]);
  return Number(r.rows[0].n);
}

/**
 * Copies an earlier batch's numbers (raw input, else E.164) in as this batch's inputs. The
 * referenced batch must belong to the same project; returns null when there is no such batch
 * (another project's batch is treated as absent, so nothing leaks across projects).
 */
export async function copyInputsFromBatch(
  pool: pg.Pool,
  batchId: string,
  refBatchId: string,
  project: string,
): Promise<number | null> {
  return withTransaction(pool, async (client) => {
    const ref = await client.query('SELECT 1 FROM batches WHERE id = $1 AND project = $2', [refBatchId, project]);
    if (ref.rowCount === 0) return null;
    await client.query('DELETE FROM batch_inputs WHERE batch_id = $1', [batchId]);
    const r = await client.query(
      `INSERT INTO batch_inputs (batch_id, row_no, raw, default_region)
       SELECT $1, row_number() OVER (ORDER BY seq, part) - 1, coalesce(raw, e164), region
       FROM numbers WHERE batch_id = $2 AND coalesce(raw, e164) IS NOT NULL`,
      [batchId, refBatchId],
    );
    return r.rowCount ?? 0;
  });
}

export type ExportFormat = 'csv' | 'ndjson';

/** Columns of an export, in order: the per-number result fields of `phonebatch check`. */
export const EXPORT_COLUMNS = [
  'seq',
  'part',
  'raw',
  'valid',
  'possible',
  'e164',
  'region',
  'number_type',
  'ext',
  'national',
  'error',
  'detail',
] as const;

/**
 * Streams a batch's numbers from PostgreSQL with `COPY … TO STDOUT` into `out`, in (seq, part)
 * order, in constant memory. CSV has a header row; NDJSON is one JSON object per line.
 */
export async function exportNumbers(
  pool: pg.Pool,
  batchId: string,
  format: ExportFormat,
  out: NodeJS.WritableStream,
  filter: { valid?: boolean } = {},
): Promise<void> {
  // COPY takes no bind parameters, so the id is checked to be a UUID before it is inlined.
  if (!UUID_RE.test(batchId)) throw new Error(`batchId: "${batchId}" is not a UUID`);
  const where = [`batch_id = '${batchId}'`];
  if (filter.valid !== undefined) where.push(`valid = ${filter.valid ? 'true' : 'false'}`);
  const select = `SELECT ${EXPORT_COLUMNS.join(', ')} FROM numbers WHERE ${where.join(' AND ')} ORDER BY seq, part`;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    if (format === 'csv') {
      await pipeline(client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`)), out, {
        end: false,
      });
    } else {
      // Postgres renders each row as JSON, so Node only passes lines through.
      const sql = `COPY (SELECT row_to_json(t)::text FROM (${select}) t) TO STDOUT`;
      await pipeline(client.query(copyTo(sql)), unescapeCopyText(), out, { end: false });
    }
  } catch (err) {
    // E.g. the consumer went away mid-COPY: never return a connection still inside a COPY.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Undoes COPY text-format escaping of backslashes (`\\` → `\`) across chunk boundaries; the
 * JSON rows hold no tabs or raw newlines, so no other escape can occur.
 */
function unescapeCopyText(): Transform {
  let carry = '';
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let s = carry + decoder.write(chunk);
      carry = '';
      const trailing = /\\+$/.exec(s)?.[0].length ?? 0;
      if (trailing % 2 === 1) {
        carry = '\\';
        s = s.slice(0, -1);
      }
      cb(null, s.replace(/\\\\/g, '\\'));
    },
    flush(cb) {
      cb(null, carry + decoder.end());
    },
  });
}
