import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { firstInvalidUtf8, strictUtf8, Utf8Error } from '../../lib/utf8.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
const decodes = (b: Uint8Array) => {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
};

// Bytes around the UTF-8 edges (overlongs, surrogates, > U+10FFFF, truncations) plus text.
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => [...Buffer.from(s)]),
        fc.constantFrom([0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0x0a]),
      ),
      { maxLength: 12 },
    )
    .map((parts) => Uint8Array.from(parts.flat())),
);

test('firstInvalidUtf8 finds the first byte where no well-formed character starts (as a fatal TextDecoder reads it)', () => {
  fc.assert(
    fc.property(bytes, (b) => {
      const at = firstInvalidUtf8(b);
      if (at < 0) return assert.ok(decodes(b));
      assert.ok(decodes(b.subarray(0, at)), 'everything before it is UTF-8');
      for (let k = 1; k <= 4 && at + k <= b.length; k++)
        assert.ok(!decodes(b.subarray(0, at + k)), `no character of ${k} bytes starts there`);
    }),
    { numRuns: 2000 },
  );
});

test('strictUtf8 passes UTF-8 through unchanged however it is chunked, and names line and byte offset of the first bad byte', async () => {
  await fc.assert(
    fc.asyncProperty(bytes, fc.array(fc.nat(64), { maxLength: 6 }), async (b, cuts) => {
      const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
      const chunks = [0, ...at, b.length]
        .slice(1)
        .map((end, i, ends) => Buffer.from(b.subarray(i ? ends[i - 1] : 0, end)));
      const out: Buffer[] = [];
      let err: unknown = null;
      try {
        for await (const c of Readable.from(chunks.filter((c) => c.length)).pipe(strictUtf8())) out.push(c as Buffer);
      } catch (e) {
        err = e;
      }
      const bad = firstInvalidUtf8(b);
      if (bad < 0) {
        assert.equal(err, null);
        assert.deepEqual(Buffer.concat(out), Buffer.from(b));
      } else {
        assert.ok(err instanceof Utf8Error, String(err));
        assert.equal(err.offset, bad);
        assert.equal(err.line, Buffer.from(b.subarray(0, bad)).toString('latin1').split('\n').length);
      }
    }),
    { numRuns: 500 },
  );
});
