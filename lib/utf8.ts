/**
 * Strict UTF-8 for input that becomes stored data: a byte sequence that is not UTF-8 is an
 * error naming where it is, never silently replaced by U+FFFD (which would change the user's
 * numbers without a word). Node's `isUtf8` (simdutf) checks; the byte-wise scan below runs only
 * to locate a failure.
 */
import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';

/** Invalid UTF-8 at `offset` (0-based byte offset in the input) on `line` (1-based). */
export class Utf8Error extends Error {
  override name = 'Utf8Error';
  constructor(
    readonly line: number,
    readonly offset: number,
  ) {
    super(`invalid UTF-8 at line ${line}, byte offset ${offset}`);
  }
}

/**
 * Byte offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629
 * §4: no overlongs, no surrogates, nothing above U+10FFFF), or -1 when `buf` is all UTF-8. A
 * sequence cut off by the end of `buf` counts as invalid at its first byte.
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  if (isUtf8(buf)) return -1;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = sequenceLength(b);
    if (len === 0 || i + len > buf.length) return i;
    const [lo, hi] = secondByteRange(b);
    const b1 = buf[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}

/** Length of the sequence a lead byte starts (RFC 3629 §4), 0 for a byte that cannot lead. */
function sequenceLength(b: number): number {
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Allowed range of the byte after a lead byte (RFC 3629 §4, the UTF8-3 and UTF8-4 rules). */
function secondByteRange(b: number): [number, number] {
  if (b === 0xe0) return [0xa0, 0xbf];
  if (b === 0xed) return [0x80, 0x9f];
  if (b === 0xf0) return [0x90, 0xbf];
  if (b === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/** Bytes at the end of `buf` that start a sequence the next chunk completes (0–3). */
function incompleteTail(buf: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const len = sequenceLength(b);
    return len > back ? back : 0;
  }
  return 0;
}

function countNewlines(buf: Uint8Array, end = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * A pass-through stream that fails with {@link Utf8Error} at the first byte that is not UTF-8.
 * Chunks may split a character anywhere: up to three trailing bytes wait for the next chunk.
 */
export function strictUtf8(): Transform {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0; // bytes passed before `carry`
  let lines = 0; // newlines passed before `carry`
  const check = (buf: Buffer): Utf8Error | null => {
    const bad = firstInvalidUtf8(buf);
    return bad < 0 ? null : new Utf8Error(lines + countNewlines(buf, bad) + 1, offset + bad);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const keep = incompleteTail(buf);
      const whole = buf.subarray(0, buf.length - keep);
      const err = check(whole);
      if (err) return cb(err);
      offset += whole.length;
      lines += countNewlines(whole);
      carry = Buffer.from(buf.subarray(whole.length));
      cb(null, whole);
    },
    flush(cb) {
      // A character the input never finished.
      cb(carry.length ? check(carry) : null);
    },
  });
}
