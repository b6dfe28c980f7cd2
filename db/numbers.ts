/**
 * The `numbers` table: one row per number found (validate) or generated. Functions throw the
 * driver's errors.
 */
import type pg from 'pg';
import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';

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
  /** What the field said the number is (core/codes.ts LABELS); null for none, and for generated numbers. */
  label: string | null;
  /** Repair codes applied, in order (core/codes.ts); `[]` for none, and for generated numbers. */
  repairs: string[];
  /** Warning codes (core/codes.ts); `[]` for none, and for generated numbers. */
  warnings: string[];
  /** SHORT_NUMBER only: whether it is an emergency number. */
  emergency: boolean | null;
  /** Carrier selection code removed from the input. */
  carrierCode: string | null;
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
  // bigint for part too: a cursor may name any part number, beyond smallint's range included.
  if (q.after) where.push(`(seq, part) > ($${args.push(q.after.seq)}::bigint, $${args.push(q.after.part)}::bigint)`);
  if (q.valid !== undefined) where.push(`valid = $${args.push(q.valid)}`);
  if (q.type) where.push(`number_type = $${args.push(q.type)}`);
  if (q.region) where.push(`region = $${args.push(q.region)}`);
  const r = await pool.query(
    `SELECT seq, part, raw, valid, possible, e164, region, number_type, ext, national, error, detail,
            label, repairs, warnings, emergency, carrier_code
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
    label: x.label,
    repairs: x.repairs ?? [],
    warnings: x.warnings ?? [],
    emergency: x.emergency,
    carrierCode: x.carrier_code,
  }));
  const last = rows[rows.length - 1];
  return { rows, next: r.rows.length > q.limit && last ? { seq: last.seq, part: last.part } : null };
}

export type ExportFormat = 'csv' | 'ndjson';

/**
 * Columns of an export, in order: the per-number result fields of `phonebatch check`. The code
 * lists `repairs` and `warnings` are JSON arrays in NDJSON (`[]` for none) and their codes
 * joined with a single space in CSV (`plus_added idd_assumed`; an empty field for none).
 */
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
  'label',
  'repairs',
  'warnings',
  'emergency',
  'carrier_code',
] as const;

/** Export columns that are not selected as stored, per format (generated rows hold NULL lists). */
const EXPORT_EXPRESSIONS: Partial<Record<(typeof EXPORT_COLUMNS)[number], Record<ExportFormat, string>>> = {
  repairs: { csv: "nullif(array_to_string(repairs, ' '), '')", ndjson: "coalesce(repairs, '{}')" },
  warnings: { csv: "nullif(array_to_string(warnings, ' '), '')", ndjson: "coalesce(warnings, '{}')" },
};

/** The SELECT list of an export in `format`: {@link EXPORT_COLUMNS}, each named as itself. */
export function exportSelectList(format: ExportFormat): string {
  return EXPORT_COLUMNS.map((c) => {
    const e = EXPORT_EXPRESSIONS[c]?.[format];
    return e ? `${e} AS ${c}` : c;
  }).join(', ');
}

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
  const select = `SELECT ${exportSelectList(format)} FROM numbers WHERE ${where.join(' AND ')} ORDER BY seq, part`;
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

/** What a batch holds, in a few counts: for a summary a person reads. */
export interface NumbersSummary {
  /** Stored numbers that are valid / not valid (counted from the rows, not the batch's counters). */
  valid: number;
  invalid: number;
  /** Numbers per number type (`-` for none), most first, at most 8. */
  byType: Array<{ key: string; count: number }>;
  /** Numbers per region (`-` for none), most first, at most 10. */
  byRegion: Array<{ key: string; count: number }>;
  /** Distinct regions among the numbers. */
  regions: number;
  /** Invalid numbers per error code, most first. */
  errors: Array<{ key: string; count: number }>;
  /** Numbers per repair code applied (a number may count under several), most first. */
  repairs: Array<{ key: string; count: number }>;
  /** Numbers per warning code (a number may count under several), most first. */
  warnings: Array<{ key: string; count: number }>;
  /** Numbers per label the field gave them, most first. */
  labels: Array<{ key: string; count: number }>;
  /** The first few valid numbers, E.164. */
  sample: string[];
  /**
   * Validate batches whose rows declared a default region: valid numbers in the region their
   * row declared vs in another one, and rows that held several numbers.
   */
  declared: { inDeclaredRegion: number; inOtherRegion: number; rowsWithSeveral: number } | null;
}

/** {@link NumbersSummary} of a batch; scans the batch's numbers a few times (fine up to millions). */
export async function summarizeNumbers(pool: pg.Pool, batchId: string): Promise<NumbersSummary> {
  const counts = async (column: string, where = 'TRUE', limit = 10) => {
    const r = await pool.query<{ k: string; n: number }>(
      `SELECT coalesce(${column}, '-') AS k, count(*)::int AS n FROM numbers WHERE batch_id = $1 AND ${where}
       GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`,
      [batchId],
    );
    return r.rows.map((x) => ({ key: x.k, count: x.n }));
  };
  // Per code of a text[] column: each number counts once under every code it carries.
  const codeCounts = async (column: 'repairs' | 'warnings') => {
    const r = await pool.query<{ k: string; n: number }>(
      `SELECT c AS k, count(*)::int AS n FROM numbers, unnest(${column}) AS c WHERE batch_id = $1
       GROUP BY c ORDER BY count(*) DESC, c COLLATE "C"`,
      [batchId],
    );
    return r.rows.map((x) => ({ key: x.k, count: x.n }));
  };
  const regions = await pool.query<{ n: number; valid: number; invalid: number }>(
    `SELECT count(DISTINCT region)::int AS n, count(*) FILTER (WHERE valid)::int AS valid,
            count(*) FILTER (WHERE NOT valid)::int AS invalid
     FROM numbers WHERE batch_id = $1`,
    [batchId],
  );
  const sample = await pool.query<{ e164: string }>(
    'SELECT e164 FROM numbers WHERE batch_id = $1 AND valid ORDER BY seq, part LIMIT 3',
    [batchId],
  );
  const declared = await pool.query<{ own: number; other: number; multi: number; rows: number }>(
    `SELECT count(*) FILTER (WHERE n.valid AND n.region = i.default_region)::int AS own,
            count(*) FILTER (WHERE n.valid AND n.region <> i.default_region)::int AS other,
            count(DISTINCT n.seq) FILTER (WHERE n.part > 0)::int AS multi,
            count(*) FILTER (WHERE i.default_region IS NOT NULL)::int AS rows
     FROM numbers n JOIN batch_inputs i ON i.batch_id = n.batch_id AND i.row_no = n.seq WHERE n.batch_id = $1`,
    [batchId],
  );
  const d = declared.rows[0];
  return {
    valid: regions.rows[0]?.valid ?? 0,
    invalid: regions.rows[0]?.invalid ?? 0,
    byType: await counts('number_type', 'TRUE', 8),
    byRegion: await counts('region'),
    regions: regions.rows[0]?.n ?? 0,
    errors: await counts('error', 'error IS NOT NULL', 100),
    repairs: await codeCounts('repairs'),
    warnings: await codeCounts('warnings'),
    labels: await counts('label', 'label IS NOT NULL', 100),
    sample: sample.rows.map((x) => x.e164),
    declared: d && d.rows > 0 ? { inDeclaredRegion: d.own, inOtherRegion: d.other, rowsWithSeveral: d.multi } : null,
  };
}
