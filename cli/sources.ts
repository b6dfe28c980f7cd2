/**
 * Reading validate input: a CSV file (or stdin) with a header row, streamed through
 * csv-parse so memory stays flat for any file size.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { InputRow } from '../db/batches.ts';
import { UsageError } from './errors.ts';

export interface CsvSourceOptions {
  /** Column with the raw phone field; default: the first of phone/raw_phone/number/msisdn, else the first column. */
  column?: string;
  /** Column with a per-row default region (ISO 3166-1 alpha-2), e.g. a country column. */
  regionColumn?: string;
}

const PHONE_COLUMNS = ['phone', 'raw_phone', 'number', 'phone_number', 'msisdn', 'tel', 'telephone'];

/** Yields the input rows of a CSV file ('-' is stdin). Throws UsageError for a missing column. */
export async function* csvRows(path: string, opts: CsvSourceOptions): AsyncGenerator<InputRow> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false }));
  let phoneIdx = -1;
  let regionIdx = -1;
  let header: string[] | undefined;
  for await (const record of parser as AsyncIterable<string[]>) {
    if (!header) {
      header = record;
      const lower = header.map((h) => h.trim().toLowerCase());
      if (opts.column) {
        phoneIdx = header.indexOf(opts.column);
        if (phoneIdx < 0) throw new UsageError(`--column: no column "${opts.column}" in ${path} (columns: ${header.join(', ')})`);
      } else {
        phoneIdx = lower.findIndex((h) => PHONE_COLUMNS.includes(h));
        if (phoneIdx < 0) phoneIdx = 0;
      }
      if (opts.regionColumn) {
        regionIdx = header.indexOf(opts.regionColumn);
        if (regionIdx < 0) throw new UsageError(`--region-column: no column "${opts.regionColumn}" in ${path} (columns: ${header.join(', ')})`);
      }
      continue;
    }
    yield { raw: record[phoneIdx] ?? '', defaultRegion: regionIdx >= 0 ? record[regionIdx]?.trim() || null : null };
  }
  if (!header) throw new UsageError(`${path}: empty input (a header row is required)`);
}
