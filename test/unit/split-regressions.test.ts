/**
 * Regressions from the adversarial review of the splitter (core/split.ts) and validateField:
 * bounded work on pathological fields, the >64-atom memo collision, shorthand invented after
 * words and commas, RFC 3966 `tel:` URIs, and the per-field result cap. No timing assertions:
 * work is asserted through parseCount() (libphonenumber parse calls).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RESULTS_PER_FIELD, parseCount, searchBudget, validateField } from '../../core/validate.ts';
import type { CheckResult } from '../../core/types.ts';

const rows = (rs: CheckResult[]) => rs.map((r) => [r.input, r.e164, r.valid, r.error]);
const digits = (s: string) => s.replace(/\D/g, '');

/** Deterministic 10 KB "soup" of digits and separators (LCG, fixed seed). */
function soup(n: number, chars: string, seed: number): string {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += chars[x % chars.length];
  }
  return s;
}

test('work per field is linear in its length for adversarial fields', () => {
  const fields: [string, string][] = [
    ['1/'.repeat(512), 'US'],
    ['1/'.repeat(5000), 'US'],
    ['12/'.repeat(3400), 'US'],
    ['12 - '.repeat(2000), 'US'],
    ['1 -'.repeat(3400), 'US'],
    ['(0)'.repeat(3000), 'GB'],
    ['(0)1/'.repeat(2000), 'GB'],
    ['1234567890'.repeat(1000), 'US'],
    ['12 '.repeat(3300), 'US'],
    ['1,'.repeat(5000), 'US'],
    ['a1/'.repeat(3300), 'US'],
    ['Tel 12/3 '.repeat(1100), 'US'],
    ['+44 20 7946 0123' + '/12'.repeat(3000), 'GB'],
    [
      Array.from({ length: 2100 }, (_, i) => String(1000 + i))
        .join('/')
        .slice(0, 10240),
      'US',
    ],
    [soup(10240, '0123456789/ -()+.,;x', 1), 'US'],
    [soup(10240, '0123456789/ -()+.', 7), 'DE'],
    [soup(10240, '0123456789/ -', 3), 'GB'],
  ];
  for (const [raw, region] of fields) {
    const before = parseCount();
    const rs = validateField(raw, region);
    const work = parseCount() - before;
    const name = `${JSON.stringify(raw.slice(0, 20))}… (${raw.length} chars)`;
    // Search budget plus a constant number of parses per reported row (≤ 1,001 rows).
    assert.ok(work <= searchBudget(raw.length) + 4 * (MAX_RESULTS_PER_FIELD + 1), `${name}: ${work} parses`);
    assert.ok(rs.length >= 1 && rs.length <= MAX_RESULTS_PER_FIELD + 1, `${name}: ${rs.length} rows`);
    for (const r of rs) {
      assert.ok(raw.includes(r.input), `${name}: input not a substring`);
      if (r.e164 !== null) assert.match(r.e164, /^\+\d+$/);
    }
  }
  // Exact shapes: a `/` list far too long to be one number is reported part by part (capped).
  const ones = validateField('1/'.repeat(512), 'US');
  assert.equal(ones.length, 512);
  assert.ok(ones.every((r) => r.input === '1' && r.error === 'TOO_SHORT'));
  const chain = validateField('+44 20 7946 0123' + '/12'.repeat(3000), 'GB');
  assert.equal(chain.length, MAX_RESULTS_PER_FIELD + 1);
  assert.deepEqual(rows(chain.slice(0, 2)), [
    ['+44 20 7946 0123', '+442079460123', true, null],
    ['12', '+442079460112', true, null],
  ]);
  assert.equal(chain.filter((r) => r.valid).length, MAX_RESULTS_PER_FIELD);
});

test('more than 64 parts in one segment: nothing dropped, valid number in place', () => {
  const raw = '99999999999999/02079460123' + '/00000'.repeat(64);
  const rs = validateField(raw, 'GB');
  assert.equal(rs.length, 66);
  assert.deepEqual(rows(rs.slice(0, 2)), [
    ['99999999999999', null, false, 'TOO_LONG'],
    ['02079460123', '+442079460123', true, null],
  ]);
  for (const r of rs.slice(2)) assert.deepEqual([r.input, r.valid], ['00000', false]);
  assert.equal(rs.map((r) => digits(r.input)).join(''), digits(raw), 'every digit accounted for');
  // Same shape just past other powers of two.
  assert.equal(validateField('02079460123' + '/00000'.repeat(130), 'GB').length, 131);
});

test('shorthand only directly after a number with / between them', () => {
  const cases: [string, string, (string | boolean | null)[][]][] = [
    [
      '+1 212 555 0100, Suite 200',
      'US',
      [
        ['+1 212 555 0100', '+12125550100', true, null],
        ['Suite', null, false, 'NOT_A_NUMBER'],
        ['200', null, false, 'TOO_SHORT'],
      ],
    ],
    [
      '+1 212 555 0100 press 1',
      'US',
      [
        ['+1 212 555 0100', '+12125550100', true, null],
        ['press', null, false, 'NOT_A_NUMBER'],
        ['1', null, false, 'TOO_SHORT'],
      ],
    ],
    [
      '+1 212 555 0100 Apt 4',
      'US',
      [
        ['+1 212 555 0100', '+12125550100', true, null],
        ['Apt', null, false, 'NOT_A_NUMBER'],
        ['4', null, false, 'TOO_SHORT'],
      ],
    ],
    [
      '+1 212 555 0100, Room 12',
      'US',
      [
        ['+1 212 555 0100', '+12125550100', true, null],
        ['Room', null, false, 'NOT_A_NUMBER'],
        ['12', null, false, 'TOO_SHORT'],
      ],
    ],
    [
      '+44 20 7946 0123, 24 hours',
      'GB',
      [
        ['+44 20 7946 0123', '+442079460123', true, null],
        ['24', null, false, 'TOO_SHORT'],
        ['hours', null, false, 'NOT_A_NUMBER'],
      ],
    ],
    [
      'Tel. +49 30 1234567, Fax -99',
      'DE',
      [
        ['+49 30 1234567', '+49301234567', true, null],
        ['99', null, false, 'TOO_SHORT'],
      ],
    ],
    // A short token after a spaced dash is its own row, not a suffix and not glued on.
    [
      '+44 20 7946 0123 - 24',
      'GB',
      [
        ['+44 20 7946 0123', '+442079460123', true, null],
        ['24', null, false, 'TOO_SHORT'],
      ],
    ],
    [
      '02079460123/12345',
      'GB',
      [
        ['02079460123', '+442079460123', true, null],
        ['12345', null, false, 'TOO_SHORT'],
      ],
    ],
    // Still shorthand: `/` directly after the number.
    [
      '+27 (0) 31 905 4222/3/4',
      'ZA',
      [
        ['+27 (0) 31 905 4222', '+27319054222', true, null],
        ['3', '+27319054223', true, null],
        ['4', '+27319054224', true, null],
      ],
    ],
    [
      '+44 20 7946 0123 / 24',
      'GB',
      [
        ['+44 20 7946 0123', '+442079460123', true, null],
        ['24', '+442079460124', true, null],
      ],
    ],
  ];
  for (const [raw, region, want] of cases) assert.deepEqual(rows(validateField(raw, region)), want, raw);
});

test('an RFC 3966 tel: URI with ;ext= is one number', () => {
  for (const raw of ['tel:+1-212-555-0100;ext=7', '+1-212-555-0100;ext=7']) {
    const rs = validateField(raw, 'US');
    assert.deepEqual(
      rs.map((r) => [r.input, r.e164, r.valid, r.ext, r.error]),
      [['+1-212-555-0100;ext=7', '+12125550100', true, '7', null]],
      raw,
    );
  }
  // A plain `;` still separates numbers.
  assert.deepEqual(
    validateField('+1 212 555 0100; +1 212 555 0101', 'US').map((r) => r.e164),
    ['+12125550100', '+12125550101'],
  );
});

test('at most 1,000 results per field, then one remainder row', () => {
  const raw = '\u33c2'.repeat(40000); // NFKC: "a.m." per character
  const rs = validateField(raw, 'US');
  assert.equal(rs.length, MAX_RESULTS_PER_FIELD + 1);
  assert.ok(rs.slice(0, MAX_RESULTS_PER_FIELD).every((r) => r.input === '\u33c2' && r.error === 'NOT_A_NUMBER'));
  const last = rs[MAX_RESULTS_PER_FIELD]!;
  assert.deepEqual(
    [last.input, last.valid, last.error, last.e164],
    ['\u33c2'.repeat(39000), false, 'NOT_A_NUMBER', null],
  );
  assert.match(last.detail ?? '', /limited to 1000 results; this remainder holds 39000 more parts/);

  const commas = validateField('1,'.repeat(1500), 'US');
  assert.equal(commas.length, 1001);
  assert.equal(commas[999]!.input, '1');
  assert.equal(commas[1000]!.input, '1,'.repeat(500));
  assert.match(commas[1000]!.detail ?? '', /holds 500 more parts/);
  // Exactly at the cap: no remainder row.
  assert.equal(validateField('1,'.repeat(1000), 'US').length, 1000);
});
