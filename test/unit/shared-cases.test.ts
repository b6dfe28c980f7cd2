/**
 * The public bug-report cases (../shared/cases/phone-cases.json, verified against
 * libphonenumber-js 1.13.16 /max) as tests: validateField(input, defaultRegion)[0] must match
 * every expectation given. Falls back to the copy in test/fixtures when the shared tree is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateField } from '../../core/validate.ts';

interface Case {
  id: string;
  class: string;
  input: string;
  defaultRegion: string | null;
  expect: {
    valid?: boolean;
    possible?: boolean;
    region?: string;
    type?: string;
    e164?: string;
    ext?: string;
    error?: string;
    note?: string;
  };
}

const shared = new URL('../../../shared/cases/phone-cases.json', import.meta.url);
const fallback = new URL('../fixtures/phone-cases.json', import.meta.url);
const file = existsSync(fileURLToPath(shared)) ? shared : fallback;
const cases = JSON.parse(readFileSync(file, 'utf8')) as Case[];

test('case file loaded with expectations', () => {
  assert.ok(cases.length >= 37, `only ${cases.length} cases`);
});

for (const c of cases) {
  const e = c.expect;
  if (!('valid' in e)) continue;
  test(`${c.id} [${c.class}] ${JSON.stringify(c.input)} (${c.defaultRegion ?? 'no region'})`, () => {
    const results = validateField(c.input, c.defaultRegion);
    assert.ok(results.length >= 1, 'no result');
    const r = results[0]!;
    assert.equal(r.valid, e.valid, `valid: ${JSON.stringify(r)}`);
    if (e.possible !== undefined) assert.equal(r.possible, e.possible, 'possible');
    if (e.region !== undefined) assert.equal(r.region, e.region, 'region');
    if (e.type !== undefined) assert.equal(r.type, e.type, 'type');
    if (e.e164 !== undefined) assert.equal(r.e164, e.e164, 'e164');
    if (e.ext !== undefined) assert.equal(r.ext, e.ext, 'ext');
    if (e.error !== undefined) assert.equal(r.error, e.error, 'error');
    if (e.valid) {
      assert.equal(r.error, null);
      assert.equal(r.detail, null);
      assert.equal(results.length, 1, 'a valid single number must not be split');
    } else if (e.error === undefined && r.possible) {
      // possible-but-invalid: no error reason, but an explanation.
      assert.equal(r.error, null);
      assert.match(r.detail ?? '', /not a number in the numbering plan/);
    }
  });
}

// P8a is descriptive only ("reject or explicitly convert, never silently return +1800").
// Chosen behaviour: reject with NOT_A_NUMBER and a detail naming the vanity letters.
test('P8a vanity letters are rejected, never truncated to +1800', () => {
  const c = cases.find((x) => x.id === 'P8a');
  assert.ok(c, 'P8a present');
  const results = validateField(c.input, c.defaultRegion);
  assert.equal(results.length, 1);
  const r = results[0]!;
  assert.equal(r.input, '1-800-FAKE-NUM');
  assert.equal(r.valid, false);
  assert.equal(r.error, 'NOT_A_NUMBER');
  assert.equal(r.e164, null);
  assert.match(r.detail ?? '', /vanity/);
  assert.match(r.detail ?? '', /"FAKE", "NUM"/);
  for (const x of results) assert.ok(!(x.e164 ?? '').startsWith('+1800'), 'truncated number leaked');
});
