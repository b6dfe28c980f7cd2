/** Unit tests of the API's streaming upload parser, cursors and subprotocol choice (no services). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { uploadRows } from '../../api/upload.ts';
import { ApiError } from '../../api/errors.ts';
import {
  BATCH_CURSOR_PATTERN,
  NUMBER_CURSOR_PATTERN,
  decodeBatchCursor,
  decodeNumberCursor,
  encodeBatchCursor,
  encodeNumberCursor,
} from '../../api/cursor.ts';
import { selectProtocol } from '../../api/auth.ts';

async function collect(body: string | Buffer[], opts: Parameters<typeof uploadRows>[1]) {
  const rows = [];
  for await (const r of uploadRows(Readable.from(typeof body === 'string' ? [Buffer.from(body)] : body), opts))
    rows.push(r);
  return rows;
}

const csv = { format: 'csv' as const, limitBytes: 1 << 20 };
const ndjson = { format: 'ndjson' as const, limitBytes: 1 << 20 };

test('CSV: picks the phone column like the CLI, region column on request, quoted fields', async () => {
  assert.deepEqual(
    await collect('name,phone,country\nA,"+44 20 7946 0018",GB\nB,"1, 2",\n', { ...csv, regionColumn: 'country' }),
    [
      { raw: '+44 20 7946 0018', defaultRegion: 'GB' },
      { raw: '1, 2', defaultRegion: null },
    ],
  );
  assert.deepEqual(await collect('\ufeffa,b\n1,2\n', csv), [{ raw: '1', defaultRegion: null }]);
  await assert.rejects(
    collect('a\n1\n', { ...csv, column: 'phone' }),
    (e: ApiError) => e.code === 'invalid_upload' && /querystring\.column/.test(e.message),
  );
  await assert.rejects(collect('', csv), (e: ApiError) => e.code === 'invalid_upload');
  await assert.rejects(collect('phone\n"unterminated\n', csv), (e: ApiError) => e.code === 'invalid_upload');
  await assert.rejects(
    collect('phone\na\u0000b\n', csv),
    (e: ApiError) => e.code === 'invalid_upload' && /record 2/.test(e.message),
  );
});

test('NDJSON: strings or objects, blank lines skipped, lines split across chunks, errors name the line', async () => {
  const body = [
    '"+44 20 7946 0018"\n{"phone":"0491 570 156","defaultRegion":"AU"}\r\n\n{"ra',
    'w":"x","country":" GB "}',
  ].map((s) => Buffer.from(s));
  assert.deepEqual(await collect(body, ndjson), [
    { raw: '+44 20 7946 0018', defaultRegion: null },
    { raw: '0491 570 156', defaultRegion: 'AU' },
    { raw: 'x', defaultRegion: 'GB' },
  ]);
  await assert.rejects(
    collect('"a"\n{bad\n', ndjson),
    (e: ApiError) => e.code === 'invalid_upload' && /line 2/.test(e.message),
  );
  await assert.rejects(collect('[1]\n', ndjson), (e: ApiError) => e.code === 'invalid_upload');
  // A multi-byte character split across chunks survives.
  const euro = Buffer.from('"€5"\n');
  assert.deepEqual(await collect([euro.subarray(0, 2), euro.subarray(2)], ndjson), [
    { raw: '€5', defaultRegion: null },
  ]);
});

test('the size limit is enforced while streaming (413)', async () => {
  const big = Array.from({ length: 100 }, () => Buffer.from('"+44 20 7946 0018"\n'));
  await assert.rejects(
    collect(big, { ...ndjson, limitBytes: 500 }),
    (e: ApiError) => e.statusCode === 413 && e.code === 'payload_too_large',
  );
});

test('any bytes: the parser yields rows or throws a 4xx ApiError, nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('csv', 'ndjson'), fc.uint8Array({ maxLength: 200 }), async (format, bytes) => {
      try {
        await collect([Buffer.from(bytes)], { format: format as 'csv' | 'ndjson', limitBytes: 150 });
      } catch (e) {
        assert.ok(e instanceof ApiError, String(e));
        assert.ok(e.statusCode >= 400 && e.statusCode < 500);
      }
    }),
    { numRuns: 500 },
  );
});

test('cursors round-trip; a string of the documented shape decodes, anything else is invalid_cursor', () => {
  const b = { createdAtUs: '1764453840123456', id: '11111111-1111-4111-8111-111111111111' };
  assert.deepEqual(decodeBatchCursor(encodeBatchCursor(b)), b);
  assert.deepEqual(decodeNumberCursor(encodeNumberCursor({ seq: 5, part: 1 })), { seq: 5, part: 1 });
  const batchShape = new RegExp(BATCH_CURSOR_PATTERN);
  const numberShape = new RegExp(NUMBER_CURSOR_PATTERN);
  fc.assert(
    fc.property(fc.string(), (s) => {
      for (const [f, shape] of [
        [decodeBatchCursor, batchShape],
        [decodeNumberCursor, numberShape],
      ] as const) {
        try {
          f(s);
          assert.ok(shape.test(s), `decoded a cursor off the documented shape: ${s}`);
        } catch (e) {
          assert.equal((e as ApiError).code, 'invalid_cursor');
        }
      }
    }),
  );
  const n = decodeNumberCursor('999999999999999.999999999999999');
  assert.ok(Number.isSafeInteger(n.seq) && Number.isSafeInteger(n.part));
});

test('the server selects phonebatch.v1 and never echoes a token subprotocol', () => {
  assert.equal(selectProtocol(new Set(['phonebatch.token.pbt_x', 'phonebatch.v1'])), 'phonebatch.v1');
  assert.equal(selectProtocol(new Set(['phonebatch.token.pbt_x'])), false);
  assert.equal(selectProtocol(new Set(['graphql-ws'])), 'graphql-ws');
});

test('NDJSON: a complete line over 64 KiB (counted in UTF-8 bytes) is refused, like a CSV record', async () => {
  // Regression: only the unfinished tail was checked, and in UTF-16 units, so a 400,000-character
  // line inside one chunk got through.
  const long = JSON.stringify('\u33c2'.repeat(40_000)); // 120,000 UTF-8 bytes in 40,002 characters
  await assert.rejects(
    collect(`${long}\n"ok"\n`, ndjson),
    (e: ApiError) => e.code === 'invalid_upload' && /line 1/.test(e.message) && /65536 bytes/.test(e.message),
  );
  const fine = JSON.stringify('1'.repeat(60_000));
  assert.equal((await collect(`${fine}\n`, ndjson)).length, 1);
});

test('a body the client already closed fails the upload at once (400), never waits forever', async () => {
  const drain = async (body: Readable, opts: Parameters<typeof uploadRows>[1]) => {
    const rows = [];
    for await (const r of uploadRows(body, opts)) rows.push(r);
    return rows;
  };
  const closed = (e: ApiError) =>
    e instanceof ApiError && e.statusCode === 400 && e.code === 'invalid_upload' && /closed the upload/.test(e.message);
  for (const opts of [csv, ndjson]) {
    // Destroyed before the parser starts (the client dropped while the handler waited for a DB connection).
    const gone = new Readable({ read() {} });
    gone.push('phone\n');
    gone.destroy();
    await new Promise((r) => setImmediate(r)); // its 'close' has been emitted: nobody will hear it again
    await assert.rejects(drain(gone, opts), closed);
    // Closed (no error) part-way through: 'close' without 'end'.
    const midway = new Readable({ read() {} });
    midway.push(opts.format === 'csv' ? 'phone\n1\n' : '"1"\n');
    setImmediate(() => midway.destroy());
    await assert.rejects(drain(midway, opts), closed);
  }
  // An already-ended empty body is an empty upload, not a hang.
  const ended = Readable.from([]);
  for await (const _ of ended); // consume to 'end'
  assert.deepEqual(await drain(ended, ndjson), []);
});
