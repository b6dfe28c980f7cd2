/**
 * `phonebatch check`: validates raw fields with no server, with the validator options of the
 * flags (--repairs, --default-area-code, --numeric-source). Fields come from the arguments, or
 * from stdin one per line. Prints one JSON object per number found: the core's CheckResult
 * plus `line` (1-based field number) and `index` (position of the number within the field).
 */
import { createInterface } from 'node:readline';
import { validateField } from '../core/validate.ts';
import type { ValidateOptions } from '../core/types.ts';

export async function runCheck(
  numbers: string[],
  defaultRegion: string | undefined,
  options: ValidateOptions = {},
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  let line = 0;
  let buf = '';
  let count = 0;
  const emit = (raw: string) => {
    line++;
    const results = validateField(raw, defaultRegion ?? null, options);
    for (let index = 0; index < results.length; index++) {
      buf += JSON.stringify({ line, index, ...results[index] }) + '\n';
      count++;
    }
    if (buf.length > 1 << 16) {
      out.write(buf);
      buf = '';
    }
  };
  if (numbers.length) numbers.forEach(emit);
  else for await (const raw of createInterface({ input: process.stdin, crlfDelay: Infinity })) emit(raw);
  if (buf) out.write(buf);
  return count;
}
