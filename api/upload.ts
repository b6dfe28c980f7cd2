/**
 * Streaming validate uploads: a CSV (header row; the same column rules as `phonebatch
 * validate`) or NDJSON request body becomes an async iterable of input rows, parsed as it
 * arrives, so memory stays flat for any size. Every error is an ApiError (4xx) naming where
 * the body is wrong.
 */
import { Transform, type Readable } from 'node:stream';
import { CsvError } from 'csv-parse';
import { csvInputRows, CsvInputError, MAX_RECORD_BYTES } from '../lib/csv-input.ts';
import type { InputRow } from '../batches/spec.ts';
import { strictUtf8, Utf8Error } from '../lib/utf8.ts';
import { ApiError, errors } from './errors.ts';

export type UploadFormat = 'csv' | 'ndjson';

export interface UploadOptions {
  format: UploadFormat;
  limitBytes: number;
  /** CSV column holding the raw field; default: the first of phone/raw_phone/number/…, else the first column. */
  column?: string;
  /** CSV column holding each row's default region (e.g. a country column). */
  regionColumn?: string;
}

/** Counts bytes and fails with 413 past the limit. */
function byteLimit(limit: number): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > limit) cb(errors.payloadTooLarge(limit));
      else cb(null, chunk);
    },
  });
}

function checkText(v: string, where: string, what: string): void {
  // PostgreSQL text cannot hold NUL; refuse it here rather than fail the COPY.
  if (v.includes('\u0000')) throw errors.invalidUpload(where, `${what} contains a NUL character`);
}

/** The error of an upload whose client went away before the body was complete. */
export const clientClosedUpload = () => errors.invalidUpload('stream', 'the client closed the upload');

/** True when the request body can no longer deliver its data (the client went away). */
export function bodyGone(body: Readable): boolean {
  return body.readableAborted || (body.destroyed && !body.readableEnded);
}

/**
 * The body through the byte limit. Every way the body can stop (end, error, close without end,
 * already destroyed or aborted before we got here) ends or destroys the returned stream, so a
 * consumer (the COPY into batch_inputs) never waits forever on a body that is gone.
 */
function limitedBody(body: Readable, limitBytes: number): Transform {
  const limited = byteLimit(limitBytes);
  if (bodyGone(body)) {
    limited.destroy(clientClosedUpload());
    return limited;
  }
  if (body.readableEnded) {
    // Already ended (nothing left to read): an empty upload.
    limited.end();
    return limited;
  }
  // (destroy on an already destroyed stream is a no-op, so these may fire in any order.)
  body.on('error', (err) => limited.destroy(err));
  body.once('aborted', () => limited.destroy(clientClosedUpload()));
  body.once('close', () => {
    if (!body.readableEnded) limited.destroy(clientClosedUpload());
  });
  body.pipe(limited);
  return limited;
}

/** Yields the body's input rows. Throws ApiError 400 (`invalid_upload`) or 413. */
export async function* uploadRows(body: Readable, opts: UploadOptions): AsyncGenerator<InputRow> {
  const limited = limitedBody(body, opts.limitBytes);
  try {
    if (opts.format === 'csv') yield* csvRows(limited, opts);
    else yield* ndjsonRows(limited);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const e = err as { lines?: number; message?: string };
    // csv-parse's errors: codes like CSV_QUOTE_NOT_CLOSED, INVALID_OPENING_QUOTE.
    if (err instanceof CsvError) {
      throw errors.invalidUpload(e.lines ? `line ${e.lines}` : 'csv', e.message ?? 'malformed CSV');
    }
    throw err;
  } finally {
    limited.destroy();
  }
}

async function* csvRows(input: Readable, opts: UploadOptions): AsyncGenerator<InputRow> {
  try {
    yield* csvInputRows(input, opts);
  } catch (err) {
    if (err instanceof CsvInputError) {
      throw err.option
        ? new ApiError('invalid_upload', `querystring.${err.option}: ${err.message}`)
        : errors.invalidUpload(err.where, err.message);
    }
    throw err;
  }
}

/**
 * NDJSON: one value per line, either a JSON string (the raw field) or an object with the raw
 * field in `phone`, `raw` or `number` and an optional region in `defaultRegion`, `region` or
 * `country`. Blank lines are skipped.
 */
async function* ndjsonRows(body: Readable): AsyncGenerator<InputRow> {
  const input = body.pipe(strictUtf8());
  body.once('error', (err) => input.destroy(err));
  try {
    yield* ndjsonLines(input);
  } catch (err) {
    if (err instanceof Utf8Error)
      throw errors.invalidUpload(
        `line ${err.line}, byte offset ${err.offset}`,
        'not valid UTF-8 (NDJSON must be UTF-8)',
      );
    throw err;
  } finally {
    input.destroy();
  }
}

async function* ndjsonLines(input: Readable): AsyncGenerator<InputRow> {
  let carry = '';
  let line = 0;
  const decoder = new TextDecoder('utf-8');
  const one = (text: string): InputRow | null => {
    line++;
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (!t.trim()) return null;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      throw errors.invalidUpload(`line ${line}`, 'not valid JSON');
    }
    let raw: unknown;
    let region: unknown = null;
    if (typeof v === 'string') raw = v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      raw = o.phone ?? o.raw ?? o.number;
      region = o.defaultRegion ?? o.region ?? o.country ?? null;
    }
    if (typeof raw !== 'string')
      throw errors.invalidUpload(`line ${line}`, 'expected a JSON string or an object with a string "phone"');
    if (region !== null && typeof region !== 'string')
      throw errors.invalidUpload(`line ${line}`, '"defaultRegion" must be a string');
    checkText(raw, `line ${line}`, 'the phone field');
    if (region) checkText(region, `line ${line}`, 'the region field');
    return { raw, defaultRegion: (region as string | null)?.trim() || null };
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    carry = parts.pop()!;
    // Every line, complete or not, is bounded in bytes (UTF-8), the same limit as a CSV record.
    if (Buffer.byteLength(carry) > MAX_RECORD_BYTES)
      throw errors.invalidUpload(`line ${line + parts.length + 1}`, `longer than ${MAX_RECORD_BYTES} bytes`);
    for (let k = 0; k < parts.length; k++) {
      if (parts[k]!.length > MAX_RECORD_BYTES / 4 && Buffer.byteLength(parts[k]!) > MAX_RECORD_BYTES) {
        throw errors.invalidUpload(`line ${line + k + 1}`, `longer than ${MAX_RECORD_BYTES} bytes`);
      }
    }
    for (const p of parts) {
      const r = one(p);
      if (r) yield r;
    }
  }
  carry += decoder.decode();
  if (carry) {
    const r = one(carry);
    if (r) yield r;
  }
}
