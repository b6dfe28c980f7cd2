/**
 * Validate input from CSV (header row required), shared by `phonebatch validate` and the API's
 * uploads so both pick the same column and refuse the same bad input. Streams through
 * csv-parse: memory stays flat for any input size.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { InputRow } from '../batches/spec.ts';
import { strictUtf8, Utf8Error } from './utf8.ts';

export interface CsvInputOptions {
  /** Column with the raw phone field; default: the first of {@link PHONE_COLUMNS}, else the first column. */
  column?: string;
  /** Column with each row's default region (ISO 3166-1 alpha-2), e.g. a country column. */
  regionColumn?: string;
}

/** Header names (case-insensitive) taken as the phone column when none is named. */
const PHONE_COLUMNS = ['phone', 'raw_phone', 'number', 'phone_number', 'msisdn', 'tel', 'telephone'];
/** A record larger than this is refused, so one line is never buffered without bound. */
export const MAX_RECORD_BYTES = 64 * 1024;

/**
 * Bad CSV input. `option` is the option at fault (`column`, `regionColumn`), or null when the
 * content is (`where` then says which record). csv-parse's own errors (CsvError) pass through.
 */
export class CsvInputError extends Error {
  override name = 'CsvInputError';
  constructor(
    readonly option: 'column' | 'regionColumn' | null,
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Yields input rows from a CSV stream. Throws CsvInputError (also for bytes that are not
 * UTF-8, naming line and byte offset), or csv-parse's CsvError.
 */
export async function* csvInputRows(input: Readable, opts: CsvInputOptions): AsyncGenerator<InputRow> {
  const utf8 = strictUtf8();
  const parser = input
    .pipe(utf8)
    .pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false, max_record_size: MAX_RECORD_BYTES }));
  input.once('error', (err) => utf8.destroy(err));
  utf8.once('error', (err) =>
    parser.destroy(
      err instanceof Utf8Error
        ? new CsvInputError(
            null,
            `line ${err.line}, byte offset ${err.offset}`,
            `${err.message}; the input must be UTF-8`,
          )
        : err,
    ),
  );
  let header: string[] | undefined;
  let phoneIdx = 0;
  let regionIdx = -1;
  let line = 0;
  const columns = () => header!.join(', ').slice(0, 200);
  for await (const record of parser as AsyncIterable<string[]>) {
    line++;
    if (!header) {
      header = record;
      if (opts.column !== undefined) {
        phoneIdx = header.indexOf(opts.column);
        if (phoneIdx < 0)
          throw new CsvInputError('column', 'header', `no column "${opts.column}" in the CSV header (${columns()})`);
      } else {
        phoneIdx = Math.max(
          0,
          header.findIndex((h) => PHONE_COLUMNS.includes(h.trim().toLowerCase())),
        );
      }
      if (opts.regionColumn !== undefined) {
        regionIdx = header.indexOf(opts.regionColumn);
        if (regionIdx < 0)
          throw new CsvInputError(
            'regionColumn',
            'header',
            `no column "${opts.regionColumn}" in the CSV header (${columns()})`,
          );
      }
      continue;
    }
    const raw = record[phoneIdx] ?? '';
    const region = regionIdx >= 0 ? record[regionIdx]?.trim() || null : null;
    // PostgreSQL text cannot hold NUL; refuse it here rather than fail the COPY later.
    if (raw.includes('\u0000') || region?.includes('\u0000'))
      throw new CsvInputError(null, `record ${line}`, `record ${line} contains a NUL character`);
    yield { raw, defaultRegion: region };
  }
  if (!header) throw new CsvInputError(null, 'csv', 'empty input (a header row is required)');
}
