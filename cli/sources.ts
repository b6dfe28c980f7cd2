/** Reading validate input for the CLI: a CSV file or stdin, through lib/csv-input.ts. */
import { createReadStream } from 'node:fs';
import type { InputRow } from '../batches/spec.ts';
import { csvInputRows, CsvInputError, type CsvInputOptions } from '../lib/csv-input.ts';
import { UsageError } from './errors.ts';

const FLAG = { column: '--column', regionColumn: '--region-column' } as const;

/** Yields the input rows of a CSV file ('-' is stdin). Throws UsageError naming the flag or file. */
export async function* csvRows(path: string, opts: CsvInputOptions): AsyncGenerator<InputRow> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  try {
    yield* csvInputRows(input, opts);
  } catch (err) {
    if (err instanceof CsvInputError) throw new UsageError(`${err.option ? FLAG[err.option] : path}: ${err.message}`);
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(`<file>: no such file ${path}`);
    if (err instanceof Error && err.name === 'CsvError') throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}
