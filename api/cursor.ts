/**
 * Keyset cursors, in a documented shape (api/schemas.ts states it as a pattern): every string of
 * that shape is a valid position, so a client, or a generated one, never sends a cursor the
 * server refuses for its content.
 *
 *   batches: `<created_at in µs since the Unix epoch>.<id>`   e.g. 1764453840123456.5f0c…
 *   numbers: `<seq>.<part>`                                   e.g. 41999.0
 */
import type { BatchCursor } from '../batches/service.ts';
import { errors } from './errors.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** The shape of a batch-listing cursor (16 digits of µs reach the year 2286). */
export const BATCH_CURSOR_PATTERN = `^[0-9]{1,16}\\.${UUID}$`;
/** The shape of a numbers cursor (15 digits stay below 2^53). */
export const NUMBER_CURSOR_PATTERN = '^[0-9]{1,15}\\.[0-9]{1,15}$';
const BATCH = new RegExp(BATCH_CURSOR_PATTERN);
const NUMBER = new RegExp(NUMBER_CURSOR_PATTERN);

export function encodeBatchCursor(c: BatchCursor): string {
  return `${c.createdAtUs}.${c.id}`;
}

/** Throws ApiError `invalid_cursor` (400) for a string not of the batch-cursor shape. */
export function decodeBatchCursor(cursor: string): BatchCursor {
  if (!BATCH.test(cursor)) throw errors.invalidCursor();
  const dot = cursor.indexOf('.');
  return { createdAtUs: cursor.slice(0, dot), id: cursor.slice(dot + 1) };
}

export function encodeNumberCursor(c: { seq: number; part: number }): string {
  return `${c.seq}.${c.part}`;
}

/** Throws ApiError `invalid_cursor` (400) for a string not of the numbers-cursor shape. */
export function decodeNumberCursor(cursor: string): { seq: number; part: number } {
  if (!NUMBER.test(cursor)) throw errors.invalidCursor();
  const [seq, part] = cursor.split('.').map(Number);
  return { seq: seq!, part: part! };
}
