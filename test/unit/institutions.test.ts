/**
 * data/institutions.csv: 1,371 real published institutional numbers, each row validated with
 * its `country` as default region. Compared with the naive baseline (NFKC + one
 * parsePhoneNumberWithError(raw, country) per field: 1,180 valid for own country + 7 for
 * another region, per data/PROVENANCE), computed here too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import { validateField } from '../../core/validate.ts';

interface Row {
  id: string;
  country: string;
  raw_phone: string;
  org_type: string;
}
const rows = parse(readFileSync(new URL('../../data/institutions.csv', import.meta.url)), { columns: true }) as Row[];

function naive(row: Row): { e164: string; own: boolean } | null {
  try {
    const pn = parsePhoneNumberWithError(row.raw_phone.normalize('NFKC'), row.country as CountryCode);
    return pn.isValid() ? { e164: pn.number, own: pn.country === row.country } : null;
  } catch {
    return null;
  }
}

const results = rows.map((r) => validateField(r.raw_phone, r.country));

test('data file is the 1,371-row corpus', () => {
  assert.equal(rows.length, 1371);
  assert.equal(new Set(rows.map((r) => r.country)).size, 153);
});

test('every row yields at least one result', () => {
  rows.forEach((r, i) => assert.ok(results[i]!.length >= 1, `${r.id} ${JSON.stringify(r.raw_phone)}`));
});

test('valid numbers strictly exceed the naive one-parse-per-field baseline', () => {
  let naiveOwn = 0;
  let naiveOther = 0;
  for (const r of rows) {
    const n = naive(r);
    if (n?.own) naiveOwn++;
    else if (n) naiveOther++;
  }
  assert.equal(naiveOwn, 1180);
  assert.equal(naiveOther, 7);
  const ours = results.reduce((a, rs) => a + rs.filter((x) => x.valid).length, 0);
  assert.ok(ours > naiveOwn + naiveOther, `ours ${ours} <= naive ${naiveOwn + naiveOther}`);
  assert.ok(ours >= 1245, `regression: ${ours} valid numbers (was 1245)`);
});

test('splitting never loses a number the whole-field parse found valid', () => {
  rows.forEach((r, i) => {
    const n = naive(r);
    if (!n) return;
    const got = results[i]!.filter((x) => x.valid).map((x) => x.e164);
    assert.ok(got.includes(n.e164), `${r.id} ${JSON.stringify(r.raw_phone)}: naive ${n.e164}, ours ${got}`);
    assert.ok(got.length >= 1);
  });
});

test('inputs are substrings of the raw field and e164 is well-formed', () => {
  rows.forEach((r, i) => {
    for (const x of results[i]!) {
      assert.ok(r.raw_phone.includes(x.input), `${r.id}: ${JSON.stringify(x.input)}`);
      if (x.e164 !== null) assert.match(x.e164, /^\+\d+$/);
    }
  });
});

// Multi-number rows, expected E.164s checked by hand against the published text.
const KNOWN: [string, string, (string | null)[]][] = [
  ['+251 (0) 11 442 46 80/81/82', 'ET', ['+251114424680', '+251114424681', '+251114424682']],
  ['+251 (0) 11 554 55 59/62', 'ET', ['+251115545559', '+251115545562']],
  ['+251 (0) 115525330/+251 (0) 912011914', 'ET', ['+251115525330', '+251912011914']],
  ['(020)2044769/70/71/72', 'KE', ['+254202044769', '+254202044770', '+254202044771', '+254202044772']],
  ['+27 (0) 31 905 4222/3/4', 'ZA', ['+27319054222', '+27319054223', '+27319054224']],
  ['020574707 or 020561202', 'KE', ['+25420574707', '+25420561202']],
  ['020-3871956/0722-825905', 'KE', ['+254203871956', '+254722825905']],
  ['0722731396/BOX 19352KHN NAIROBI', 'KE', ['+254722731396', null]],
  ['+237 691 66 12 15 // +237 677 37 36 41', 'CM', ['+237691661215', '+237677373641']],
  ['674 88 14 87 // 697 39 00 21', 'CM', ['+237674881487', '+237697390021']],
  ['664919647 620841336', 'GN', ['+224664919647', '+224620841336']],
  ['655792116- 624220249', 'GN', ['+224655792116', '+224624220249']],
  ['660259142; 621958194', 'GN', ['+224660259142', '+224621958194']],
  ['+257 22274440 - +257 77750125', 'BI', ['+25722274440', '+25777750125']],
  ['08067425637, 08077567394', 'NG', ['+2348067425637', '+2348077567394']],
];

test('known multi-number rows split correctly', () => {
  for (const [raw, country, want] of KNOWN) {
    const row = rows.find((r) => r.raw_phone === raw && r.country === country);
    assert.ok(row, `row ${raw} not in data`);
    const rs = validateField(row.raw_phone, row.country);
    assert.deepEqual(
      rs.map((x) => x.e164),
      want,
      raw,
    );
    for (const x of rs) assert.equal(x.valid, x.e164 !== null, `${raw}: ${JSON.stringify(x)}`);
  }
  // An outdated second number is reported, not dropped.
  const cm = validateField('698009672/22191145', 'CM');
  assert.deepEqual(
    cm.map((x) => [x.e164, x.valid]),
    [
      ['+237698009672', true],
      ['+23722191145', false],
    ],
  );
});
