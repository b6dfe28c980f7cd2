/**
 * The `batch_inputs` table: the raw input rows of a validate batch, stored before its workflow
 * starts. Functions throw the driver's errors.
 */
import type pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { InputRow } from '../batches/spec.ts';
import { copyText } from './chunks.ts';
import { withTransaction, type Db } from './pool.ts';

/**
 * Streams input rows into batch_inputs with COPY (row_no from 0, in order). Memory stays flat
 * for any input size. Idempotent per batch: existing rows are replaced in the same transaction.
 * Returns the number of rows loaded.
 */
export async function loadInputs(
  db: Db,
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
  await withTransaction(db, async (client) => {
    await client.query('DELETE FROM batch_inputs WHERE batch_id = $1', [batchId]);
    const copy = client.query(copyFrom('COPY batch_inputs (batch_id, row_no, raw, default_region) FROM STDIN'));
    await pipeline(Readable.from(lines(), { objectMode: false }), copy);
  });
  return n;
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
 * Copies an earlier batch's numbers in as this batch's inputs, one input per stored number, in
 * one transaction that replaces any inputs already there (so a retry copies again, never twice).
 * A number that had an E.164 is copied as that E.164 (with ` ext. ` and its extension): it reads
 * back as exactly that one number, whatever its field looked like (a shorthand `3`, the second
 * extension of `x21, x22`), so re-validating counts the same numbers. Any other number is copied
 * as its raw part, with the region it was read in (its own, else its row's or batch's default
 * region, so `911` stays a US short number). The caller has checked that the referenced batch is in the same project.
 * Returns the rows copied.
 */
export async function copyInputsFromBatch(pool: pg.Pool, batchId: string, refBatchId: string): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query('DELETE FROM batch_inputs WHERE batch_id = $1', [batchId]);
    const r = await client.query(
      `INSERT INTO batch_inputs (batch_id, row_no, raw, default_region)
       SELECT $1, row_number() OVER (ORDER BY n.seq, n.part) - 1,
              coalesce(n.e164 || coalesce(' ext. ' || n.ext, ''), n.raw),
              coalesce(n.region, i.default_region, b.spec->'validate'->>'defaultRegion')
       FROM numbers n
       JOIN batches b ON b.id = n.batch_id
       LEFT JOIN batch_inputs i ON i.batch_id = n.batch_id AND i.row_no = n.seq
       WHERE n.batch_id = $2 AND coalesce(n.e164, n.raw) IS NOT NULL`,
      [batchId, refBatchId],
    );
    return r.rowCount ?? 0;
  });
}
