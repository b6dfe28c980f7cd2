/**
 * Exactly-once chunk writes. A chunk's rows go in with COPY, in the same transaction as the
 * chunk's ledger row (batch_chunks). A retry, or an attempt that overlaps another (Temporal
 * activities run at least once), blocks on the ledger key until the first commits, then
 * finds it taken and writes nothing (docs/architecture.md: O2, O3, O6, O9).
 */
import type pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { withTransaction } from './pool.ts';

/** Column order of the text blocks given to {@link writeChunk}. */
export const NUMBER_COLUMNS = [
  'batch_id',
  'seq',
  'part',
  'e164',
  'ext',
  'region',
  'number_type',
  'valid',
  'possible',
  'national',
  'error',
  'detail',
  'raw',
  'label',
  'repairs',
  'warnings',
  'emergency',
  'carrier_code',
] as const;

/** The narrower row of a generated number (the other columns are null or default; label, repairs… stay NULL). */
export const GENERATED_COLUMNS = ['batch_id', 'seq', 'e164', 'region', 'number_type', 'valid', 'possible'] as const;

const copySql = (columns: readonly string[]) => `COPY numbers (${columns.join(', ')}) FROM STDIN`;

export interface ChunkCounts {
  rows: number;
  valid: number;
  invalid: number;
}

export interface WriteChunkInput extends ChunkCounts {
  batchId: string;
  chunk: number;
  /** Columns of the rows in `blocks`; default {@link NUMBER_COLUMNS}. */
  columns?: readonly string[];
  /** COPY text-format blocks (tab-separated, `\N` for null, newline-terminated rows). */
  blocks: Iterable<string> | AsyncIterable<string>;
  /** Aborting rolls the chunk back (COPY is failed, the transaction is rolled back). */
  signal?: AbortSignal;
}

/** Result: `written` false when the chunk was already committed (counts are the stored ones). */
export interface WriteChunkResult extends ChunkCounts {
  written: boolean;
}

/** Stored counts of a committed chunk, or null if the chunk is not committed. */
export async function committedChunk(pool: pg.Pool, batchId: string, chunk: number): Promise<ChunkCounts | null> {
  const r = await pool.query<ChunkCounts>(
    'SELECT rows, valid, invalid FROM batch_chunks WHERE batch_id = $1 AND chunk = $2',
    [batchId, chunk],
  );
  return r.rows[0] ?? null;
}

/**
 * Writes one chunk exactly once. Throws the COPY or database error after rolling back; the
 * connection is then discarded rather than returned to the pool, so the pool stays clean.
 */
export async function writeChunk(pool: pg.Pool, input: WriteChunkInput): Promise<WriteChunkResult> {
  const done = await withTransaction(pool, async (client) => {
    const claimed = await client.query(
      `INSERT INTO batch_chunks (batch_id, chunk, rows, valid, invalid) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (batch_id, chunk) DO NOTHING`,
      [input.batchId, input.chunk, input.rows, input.valid, input.invalid],
    );
    if (claimed.rowCount === 0) return false;
    const copy = client.query(copyFrom(copySql(input.columns ?? NUMBER_COLUMNS)));
    await pipeline(Readable.from(input.blocks, { objectMode: false }), copy, { signal: input.signal });
    return true;
  });
  if (done) return { written: true, rows: input.rows, valid: input.valid, invalid: input.invalid };
  // Another attempt committed this chunk first; report what it stored.
  const stored = await committedChunk(pool, input.batchId, input.chunk);
  return { written: false, ...stored! };
}

/** Sum of the committed chunks of a batch: the counts of the rows actually stored. */
export async function storedCounts(pool: pg.Pool, batchId: string): Promise<ChunkCounts> {
  const r = await pool.query(
    `SELECT coalesce(sum(rows), 0)::bigint AS rows, coalesce(sum(valid), 0)::bigint AS valid,
            coalesce(sum(invalid), 0)::bigint AS invalid FROM batch_chunks WHERE batch_id = $1`,
    [batchId],
  );
  const row = r.rows[0];
  return { rows: Number(row.rows), valid: Number(row.valid), invalid: Number(row.invalid) };
}

/** How a batch is cut into chunks: chunk `c` holds input rows [c·chunkSize, min(total, (c+1)·chunkSize)). */
export interface ChunkPlan {
  total: number;
  chunkSize: number;
  chunks: number;
}

/** What {@link checkLedger} found. */
export interface LedgerCheck {
  /** Counts summed over the committed chunks (as {@link storedCounts}). */
  counts: ChunkCounts;
  /** Chunks of the plan with no ledger row, as half-open ranges [first, end), ascending. */
  missing: Array<[number, number]>;
  /**
   * What cannot be repaired by re-running chunks, or null: a ledger row whose row count differs
   * from the plan's, a chunk outside the plan, or stored numbers that differ from the ledger's sum
   * (a chunk's rows and its ledger row commit together, so these mean rows were changed outside
   * the write path).
   */
  mismatch: string | null;
}

/**
 * Checks that the chunk ledger covers the plan and that the stored numbers match it, before a
 * batch may be marked succeeded (docs/architecture.md, O9). A commit acknowledged to the worker
 * can still vanish in a database crash (e.g. with `synchronous_commit=off`); its chunk then shows
 * up here as missing and is safe to re-run, because the ledger row vanished with its rows.
 * Cost: one scan of the batch's numbers (its primary-key range), plus the ledger.
 */
export async function checkLedger(pool: pg.Pool, batchId: string, plan: ChunkPlan): Promise<LedgerCheck> {
  const ledger = await pool.query<{ chunk: number; rows: number }>(
    'SELECT chunk, rows FROM batch_chunks WHERE batch_id = $1 ORDER BY chunk',
    [batchId],
  );
  const counts = await storedCounts(pool, batchId);
  const missing: Array<[number, number]> = [];
  let expected = 0;
  let mismatch: string | null = null;
  const expectRows = (c: number) => Math.min(plan.chunkSize, plan.total - c * plan.chunkSize);
  for (const { chunk, rows } of ledger.rows) {
    if (chunk >= plan.chunks) {
      mismatch ??= `ledger holds chunk ${chunk}, outside the plan's ${plan.chunks} chunks`;
      continue;
    }
    if (chunk > expected) missing.push([expected, chunk]);
    expected = chunk + 1;
    if (rows !== expectRows(chunk))
      mismatch ??= `chunk ${chunk}: ledger says ${rows} rows, the plan ${expectRows(chunk)}`;
  }
  if (expected < plan.chunks) missing.push([expected, plan.chunks]);
  if (!mismatch) {
    const r = await pool.query<{ n: string }>('SELECT count(*)::bigint AS n FROM numbers WHERE batch_id = $1', [
      batchId,
    ]);
    const stored = Number(r.rows[0]!.n);
    // Every result row is valid or invalid: the ledger's valid + invalid is the rows it wrote.
    if (stored !== counts.valid + counts.invalid) {
      mismatch = `${stored} numbers stored but the committed chunks wrote ${counts.valid + counts.invalid}`;
    }
  }
  return { counts, missing, mismatch };
}

/** Escapes a value for COPY text format; null/undefined become `\N`. */
export function copyText(v: string | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  // Only backslash, tab, newline and carriage return need escaping in text format.
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : v;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A code (repair, warning: core/codes.ts) as stored in a text[]: a plain identifier, no quoting needed. */
const PLAIN_CODE = /^[a-z_]+$/;

/**
 * A list of codes as a PostgreSQL array literal in COPY text format: `{}` or `{plus_added,idd_assumed}`.
 * Throws on an element that is not a plain code, which would need quoting in the literal.
 */
export function copyCodes(codes: readonly string[]): string {
  if (codes.length === 0) return '{}';
  for (const c of codes) if (!PLAIN_CODE.test(c)) throw new Error(`not a plain code for a text[] literal: "${c}"`);
  return `{${codes.join(',')}}`;
}

/** A nullable boolean in COPY text format. */
export function copyBool(v: boolean | null | undefined): string {
  return v === null || v === undefined ? '\\N' : v ? 't' : 'f';
}
