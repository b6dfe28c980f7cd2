/**
 * The code tables (core/codes.ts) are documented: the README shows them as rendered, they list
 * every code, and every example given holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { codesMarkdown, ERROR_CODES, LABELS, REPAIR_CODES, WARNING_CODES } from '../../core/codes.ts';
import { validateField } from '../../core/validate.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const START = '<!-- codes:start -->';
const END = '<!-- codes:end -->';

test('the README code tables are the ones core/codes.ts renders (make docs)', () => {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  assert.ok(a >= 0 && b > a, 'README markers');
  assert.equal(readme.slice(a + START.length, b).trim(), codesMarkdown().trim(), 'README is stale: run make docs');
});

test('the tables list every repair code, warning code, error code and label', () => {
  const doc = codesMarkdown();
  for (const code of [
    ...Object.keys(REPAIR_CODES),
    ...Object.keys(WARNING_CODES),
    ...Object.keys(ERROR_CODES),
    ...LABELS,
  ]) {
    assert.match(doc, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `row for ${code}`);
  }
});

test('every example in the code tables gives its code', () => {
  const cases: [code: string, raw: string, region: string, options?: Parameters<typeof validateField>[2]][] = [
    ['plus_added', '33 (0)1 42 68 53 00', 'US'],
    ['idd_assumed', '00 33 1 42 68 53 00', 'CA'],
    ['carrier_code_removed', '0 21 11 98765-4321', 'BR'],
    ['spreadsheet_exponent', '4.930123456E+10', 'DE'],
    ['leading_zero_restored', '612345678', 'IT', { repairs: 'all' }],
    ['area_code_added', '123 4567', 'DE', { defaultAreaCode: '30' }],
    ['renumbered', '97 12 34 56', 'BJ', { repairs: 'all' }],
    ['possible_missing_plus', '33 1 42 68 53 00', 'DE'],
    ['extension_without_digits', '+1 212 555 0100 ext.', 'US'],
    ['renumbered_plan', '97 12 34 56', 'BJ'],
    ['possible_lost_leading_zero', '612345678', 'IT'],
  ];
  for (const [code, raw, region, options] of cases) {
    assert.ok(
      REPAIR_CODES[code as keyof typeof REPAIR_CODES] ?? WARNING_CODES[code as keyof typeof WARNING_CODES],
      code,
    );
    const rows = validateField(raw, region, options);
    const codes = rows.flatMap((r) => [...r.repairs, ...r.warnings]);
    assert.ok(codes.includes(code as never), `${raw} (${region}) gives ${code}: ${JSON.stringify(rows)}`);
    const example = (
      REPAIR_CODES[code as keyof typeof REPAIR_CODES] ?? WARNING_CODES[code as keyof typeof WARNING_CODES]
    ).example;
    assert.ok(example.includes(raw), `the table's example for ${code} is the one tested (${example})`);
  }
});

test('every error example in the table gives its error', () => {
  const cases: [code: string, raw: string, region: string | null][] = [
    ['NOT_A_NUMBER', '1-800-FLOWERS', 'US'],
    ['INVALID_COUNTRY', '020 7946 0321', null],
    ['TOO_SHORT', '+49 1', null],
    ['TOO_LONG', '+44 20 7946 0321 0321', null],
    ['INVALID_LENGTH', '+47 123 4567', null],
    ['SHORT_NUMBER', '911', 'US'],
    ['SPREADSHEET_PRECISION_LOST', '4.93012E+10', 'DE'],
    ['MASKED', '+49 30 XXXX 567', 'DE'],
    ['LOCAL_NUMBER', '123 4567', 'DE'],
  ];
  for (const [code, raw, region] of cases) {
    assert.ok(
      ERROR_CODES[code as keyof typeof ERROR_CODES].example.includes(`\`${raw}\``),
      `${code} example is ${raw}`,
    );
    const rows = validateField(raw, region);
    assert.ok(
      rows.some((r) => r.error === code),
      `${raw} (${region}) gives ${code}: ${JSON.stringify(rows)}`,
    );
  }
});
