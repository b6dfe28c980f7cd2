/** Opaque keyset cursors: base64url JSON. Anything this API did not issue is `invalid_cursor` (400). */
import type { BatchCursor } from '../batches/service.ts';
import { errors } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Postgres timestamptz text output, e.g. 2025-11-29 22:04:00.123456+00
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw errors.invalidCursor();
  }
}

export function encodeBatchCursor(c: BatchCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

export function decodeBatchCursor(cursor: string): BatchCursor {
  const v = decode(cursor);
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    typeof v[0] !== 'string' ||
    typeof v[1] !== 'string' ||
    !PG_TIMESTAMP.test(v[0]) ||
    !UUID.test(v[1])
  ) {
    throw errors.invalidCursor();
  }
  return { createdAt: v[0], id: v[1] };
}

export function encodeNumberCursor(c: { seq: number; part: number }): string {
  return Buffer.from(JSON.stringify([c.seq, c.part])).toString('base64url');
}

export function decodeNumberCursor(cursor: string): { seq: number; part: number } {
  const v = decode(cursor);
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    !Number.isSafeInteger(v[0]) ||
    !Number.isSafeInteger(v[1]) ||
    v[0] < 0 ||
    v[1] < 0 ||
    v[1] > 32767
  ) {
    throw errors.invalidCursor();
  }
  return { seq: v[0], part: v[1] };
}
