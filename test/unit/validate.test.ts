/**
 * validateField / validateOne, one block per fault class from the shared cases, plus property
 * tests (fast-check) and a differential test of the compiled-regex fast path against
 * libphonenumber-js's own isValid/getType/formatNational.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getCountries, getExampleNumber, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { validateField, validateOne } from '../../core/validate.ts';
import { formatNationalOf, verdictOf } from '../../core/plan-mirror.ts';
import { normalizeRegion, normalizeText } from '../../core/normalize.ts';
import type { CheckResult } from '../../core/types.ts';

const e164s = (rs: CheckResult[]) => rs.map((r) => r.e164);
const one = (raw: string, region: string | null): CheckResult => {
  const rs = validateField(raw, region);
  assert.equal(rs.length, 1, `expected one result for ${JSON.stringify(raw)}: ${JSON.stringify(rs)}`);
  return rs[0]!;
};

test('an E.164 only for a number that can exist: short, long and impossible numbers get none', () => {
  const [sos] = validateField('911', 'US');
  assert.equal(sos!.e164, null, '911 is not +1911');
  assert.equal(sos!.national, '911');
  assert.equal(sos!.error, 'SHORT_NUMBER');
  const [plain] = validateField('911', 'US', { repairs: 'none' });
  assert.equal(plain!.e164, null, '911 is not +1911, repairs or not');
  assert.equal(plain!.error, 'TOO_SHORT');
  for (const [raw, region] of [
    ['112', 'DE'],
    ['+44 20 7946 0321 0321 0321', null],
    ['+49 1', null],
    ['0800 1', 'GB'],
  ] as const) {
    for (const r of validateField(raw, region)) {
      if (!r.valid && !r.possible) assert.equal(r.e164, null, `${raw}: ${JSON.stringify(r)}`);
    }
  }
  // A possible number keeps its E.164 (well-formed, just not assigned), a valid one of course.
  const [possible] = validateField('+1 800 123 4567', null);
  assert.equal(possible!.possible, true);
  assert.equal(possible!.e164, '+18001234567');
});

test('shared calling codes: region is the one the number belongs to', () => {
  const cases: [string, string | null, string, string][] = [
    ['07781 123456', 'GB', 'GG', '+447781123456'],
    ['01481 712345', 'GB', 'GG', '+441481712345'],
    ['01624 612345', 'GB', 'IM', '+441624612345'],
    ['416 555 0123', 'US', 'CA', '+14165550123'],
    ['242 357 1234', 'US', 'BS', '+12423571234'],
    ['+1 876 927 1234', null, 'JM', '+18769271234'],
    ['+7 727 258 1234', null, 'KZ', '+77272581234'],
    ['+39 06 6982 1234', null, 'VA', '+390669821234'],
  ];
  for (const [raw, region, want, e164] of cases) {
    const r = one(raw, region);
    assert.equal(r.valid, true, raw);
    assert.equal(r.region, want, raw);
    assert.equal(r.e164, e164, raw);
  }
  // Invalid numbers under a shared code get no guessed region (libphonenumber would say DO).
  const r = one('+1 800 123 4567', null);
  assert.equal(r.valid, false);
  assert.equal(r.region, null);
  assert.match(r.detail ?? '', /\+1 \(.*US.*\)/);
  // ...but a single-region code keeps its region.
  assert.equal(one('+380 93 123 45678', null).region, 'UA');
});

test('trunk prefix after the country code is dropped, in every placement', () => {
  const cases: [string, string | null, string][] = [
    ['+33 (0) 1 42 68 53 00', null, '+33142685300'],
    ['+41 (0)44 668 18 00', null, '+41446681800'],
    ['0041 (0)44 668 18 00', 'CH', '+41446681800'],
    ['+49 089 1234 5678', null, '+498912345678'],
    ['+27 (0) 035 450 8200', 'ZA', '+27354508200'], // (0) and a second trunk 0
    ['(0)20 7946 0123', 'GB', '+442079460123'],
  ];
  for (const [raw, region, e164] of cases) {
    const r = one(raw, region);
    assert.equal(r.e164, e164, raw);
    assert.equal(r.valid, true, raw);
  }
  // Italy keeps its leading 0: it is part of the national number, not a trunk prefix.
  assert.equal(one('+39 (0)6 6982 1234', null).e164, '+390669821234');
});

test('IDD prefixes need a default region', () => {
  assert.equal(one('011 44 20 7946 0123', 'US').e164, '+442079460123');
  const r = one('011 44 20 7946 0123', null);
  assert.equal(r.error, 'INVALID_COUNTRY');
  assert.equal(r.e164, null);
});

test('vanity letters are rejected, never converted or truncated', () => {
  for (const raw of ['1-800-FLOWERS', '1 800 FLOWERS', '+1 (800) GOT-JUNK', '0800 FLOWERS', '1-800-FAX-ME-NOW']) {
    const rs = validateField(raw, raw.startsWith('0') ? 'GB' : 'US');
    assert.equal(rs.length, 1, raw);
    assert.equal(rs[0]!.error, 'NOT_A_NUMBER', raw);
    assert.equal(rs[0]!.e164, null, raw);
    assert.equal(rs[0]!.input, raw);
    assert.match(rs[0]!.detail ?? '', /vanity|letters/, raw);
  }
  assert.equal(validateOne('Tel: 1-800-FLOWERS', 'US').error, 'NOT_A_NUMBER');
});

test('extensions are not vanity letters', () => {
  const cases: [string, string, string][] = [
    ['+1 212 555 0123 x 42', 'US', '42'],
    ['+1 212 555 0123 ext. 123', 'US', '123'],
    ['020 7946 0123 #9', 'GB', '9'],
    ['020 7946 0123 ext 5', 'gb', '5'],
  ];
  for (const [raw, region, ext] of cases) {
    const r = one(raw, region);
    assert.equal(r.valid, true, raw);
    assert.equal(r.ext, ext, raw);
    assert.equal(r.error, null);
  }
});

test('length errors are reported per row, not collapsed', () => {
  assert.equal(one('+44 20 7946', 'GB').error, 'TOO_SHORT');
  assert.equal(one('+44 20 7946 0123 4567', null).error, 'TOO_LONG');
  assert.equal(one('12', 'US').error, 'TOO_SHORT');
  assert.equal(one('+999 123', null).error, 'INVALID_COUNTRY');
  assert.equal(one('0', 'CI').error, 'TOO_SHORT');
  // Possible but invalid: no error reason, possible=true, detail explains.
  const r = one('0412 345 67', 'AU');
  assert.deepEqual([r.valid, r.possible, r.error], [false, true, null]);
  assert.match(r.detail ?? '', /numbering plan/);
});

test('type classification is libphonenumber /max getType()', () => {
  assert.equal(one('+800 1234 5678', null).type, 'TOLL_FREE'); // non-geographic
  assert.equal(one('+800 1234 5678', null).region, null);
  assert.equal(one('+1 650 253 0000', null).type, 'FIXED_LINE_OR_MOBILE');
  assert.equal(one('+358 40 1234567', null).type, 'MOBILE');
});

test('multiple numbers in one field', () => {
  assert.deepEqual(e164s(validateField('+30 210 678 46 80/81/82', null)), [
    '+302106784680',
    '+302106784681',
    '+302106784682',
  ]);
  assert.deepEqual(e164s(validateField('020574707 or 020561202', 'KE')), ['+25420574707', '+25420561202']);
  assert.deepEqual(e164s(validateField('+44 20 7946 0123, +44 20 7946 0124', null)), [
    '+442079460123',
    '+442079460124',
  ]);
  assert.deepEqual(e164s(validateField('T: 030 1234567 / F: 030 1234568', 'DE')), ['+49301234567', '+49301234568']);
  assert.deepEqual(e164s(validateField('+33 1 23 45 67 89 / 90', null)), ['+33123456789', '+33123456790']);
  assert.deepEqual(e164s(validateField('0201234567 o 0207654321', 'KE')), ['+254201234567', '+254207654321']);
  const rs = validateField('+30 210 678 46 80/81/82', null);
  assert.deepEqual(
    rs.map((r) => r.input),
    ['+30 210 678 46 80', '81', '82'],
  );
});

test('single numbers containing / and spaces are not split', () => {
  for (const [raw, region, e164] of [
    ['089/1234567', 'DE', '+49891234567'],
    ['+49 (0)151 2345 6789', null, '+4915123456789'],
    ['0 89 / 12 34 56 78', 'DE', '+498912345678'],
    ['020 - 7946 0123', 'GB', '+442079460123'],
  ] as const) {
    const r = one(raw, region);
    assert.equal(r.e164, e164, raw);
    assert.equal(r.input, raw);
  }
  // Not valid as a whole and no valid parts: stays one row with the whole input.
  const r = one('0232 0323 2332 3223 222', 'GB');
  assert.equal(r.error, 'TOO_LONG');
  assert.equal(r.input, '0232 0323 2332 3223 222');
});

test('labels are stripped; leftover text gets its own NOT_A_NUMBER row', () => {
  assert.deepEqual(e164s(validateField('Tel.: 030 1234567', 'DE')), ['+49301234567']);
  assert.deepEqual(e164s(validateField('Fax: 020 7946 0123 Tel: 020 7946 0124', 'UK')), [
    '+442079460123',
    '+442079460124',
  ]);
  const rs = validateField('0722731396/BOX 19352KHN NAIROBI', 'KE');
  assert.equal(rs.length, 2);
  assert.equal(rs[0]!.e164, '+254722731396');
  assert.deepEqual([rs[1]!.input, rs[1]!.error, rs[1]!.e164], ['BOX 19352KHN NAIROBI', 'NOT_A_NUMBER', null]);
  const rs2 = validateField('+44 20 7946 0123 reception', null);
  assert.deepEqual(
    rs2.map((r) => [r.input, r.valid, r.error]),
    [
      ['+44 20 7946 0123', true, null],
      ['reception', false, 'NOT_A_NUMBER'],
    ],
  );
});

test('Unicode digits, spaces and dashes; input kept as written', () => {
  const cases: [string, string | null][] = [
    ['０８９ １２３４５６７８', 'DE'],
    ['089－1234 5678', 'DE'],
    ['٠٨٩ ١٢٣٤٥٦٧٨', 'DE'],
    ['۰۸۹۱۲۳۴۵۶۷۸', 'DE'],
    ['०८९ १२३४५६७८', 'DE'],
    ['+49\u200b89\u00a01234\u20145678', null],
    ['+49\u202f89\u20091234\u20135678', null],
  ];
  for (const [raw, region] of cases) {
    const r = one(raw, region);
    assert.equal(r.e164, '+498912345678', raw);
    assert.equal(r.input, raw);
  }
  const n = normalizeText('a\u00a0b\u2013c１');
  assert.equal(n.text, 'a b-c1');
});

test('default region normalisation', () => {
  assert.equal(normalizeRegion('gb'), 'GB');
  assert.equal(normalizeRegion(' UK '), 'GB');
  assert.equal(normalizeRegion('XX'), undefined);
  assert.equal(normalizeRegion(''), undefined);
  assert.equal(normalizeRegion(null), undefined);
  assert.equal(one('89 12345678', 'de').e164, '+498912345678');
  assert.equal(one('89 12345678', 'XX').error, 'INVALID_COUNTRY');
});

test('validateOne never splits', () => {
  assert.equal(validateOne('+44 20 7946 0123', null).e164, '+442079460123');
  assert.equal(validateOne('', 'GB').error, 'NOT_A_NUMBER');
  // An empty field still yields one row, so a validate job accounts for every input row.
  assert.deepEqual(
    validateField('', 'GB').map((r) => [r.input, r.valid, r.error]),
    [['', false, 'NOT_A_NUMBER']],
  );
  assert.deepEqual(
    validateField('  ', 'GB').map((r) => [r.input, r.valid, r.error]),
    [['  ', false, 'NOT_A_NUMBER']],
  );
});

// ---------------------------------------------------------------------------------------------
// Properties

const E164 = /^\+\d+$/;

test('property: never throws, e164 is + and digits, results are well-formed', () => {
  const region = fc.constantFrom<string | null>(null, 'GB', 'US', 'DE', 'gb', 'UK', 'XX', 'KE', 'AR');
  const phoneChars = fc.constantFrom(...'0123456789+()-/ ,;.xX#extTel:or\u00a0\u2013\u0661\uff10'.split(''));
  const phoneish = fc.array(phoneChars, { maxLength: 40 }).map((a) => a.join(''));
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), phoneish),
      region,
      (raw, r) => {
        const rs = validateField(raw, r);
        for (const x of rs) {
          if (x.e164 !== null) assert.match(x.e164, E164);
          if (x.valid) assert.equal(x.error, null);
          assert.equal(typeof x.input, 'string');
          assert.ok(raw.includes(x.input), `input ${JSON.stringify(x.input)} not a substring`);
        }
        const o = validateOne(raw, r);
        if (o.e164 !== null) assert.match(o.e164, E164);
      },
    ),
    { numRuns: 3000 },
  );
});

const countries = getCountries().filter((c) => getExampleNumber(c, examples) !== undefined);

test('property: example numbers round-trip from international and national format', () => {
  assert.ok(countries.length > 200);
  fc.assert(
    fc.property(fc.constantFrom(...countries), (c: CountryCode) => {
      const ex = getExampleNumber(c, examples)!;
      if (!ex.isValid()) return; // metadata examples are valid, but do not assume it
      const intl = validateField(ex.formatInternational(), null);
      assert.deepEqual(e164s(intl), [ex.number], `${c} intl ${ex.formatInternational()}`);
      const nat = validateField(ex.formatNational(), c);
      assert.deepEqual(e164s(nat), [ex.number], `${c} national ${ex.formatNational()}`);
      assert.equal(intl[0]!.valid, true);
      assert.equal(intl[0]!.type, ex.getType() ?? null);
    }),
    { numRuns: 600 },
  );
});

test('the plan mirror gives libphonenumber-js getType, isValid and formatNational on example and random numbers', () => {
  const check = (text: string, region?: CountryCode) => {
    let pn;
    try {
      pn = parsePhoneNumberWithError(text, region);
    } catch {
      return;
    }
    const verdict = verdictOf(pn);
    assert.equal(verdict !== undefined, pn.isValid(), `isValid ${text}`);
    assert.equal(verdict ?? undefined, pn.getType(), `type ${text}`);
    assert.equal(formatNationalOf(pn), pn.formatNational(), `national ${text}`);
    const r = validateOne(text, region);
    assert.equal(r.valid, pn.isValid() || r.valid, text);
    if (!/^\s*\+/.test(text)) assert.equal(r.valid, pn.isValid(), `valid ${text}`);
  };
  for (const c of countries) check(getExampleNumber(c, examples)!.number);
  fc.assert(
    fc.property(fc.constantFrom(...countries), fc.stringMatching(/^[0-9]{4,13}$/), fc.boolean(), (c, digits, intl) => {
      check(intl ? '+' + digits : digits, c);
    }),
    { numRuns: 5000 },
  );
});

test('property: +digits text read without a parse (the fast path) gives what libphonenumber-js parse gives', () => {
  const grouped = (digits: string, cuts: number[], sep: string) => {
    let out = '';
    for (let i = 0; i < digits.length; i++) out += (cuts.includes(i) && i > 0 ? sep : '') + digits[i];
    return '+' + out;
  };
  const compare = (text: string) => {
    const r = validateOne(text, null);
    let pn;
    try {
      pn = parsePhoneNumberWithError(text);
    } catch {
      assert.equal(r.valid, false, text);
      return;
    }
    assert.equal(r.valid, pn.isValid(), `valid ${text}`);
    if (!r.valid) return;
    assert.equal(r.e164, pn.number, `e164 ${text}`);
    assert.equal(r.region, pn.country ?? null, `region ${text}`);
    assert.equal(r.type, pn.getType() ?? null, `type ${text}`);
    assert.equal(r.national, pn.formatNational(), `national ${text}`);
    assert.equal(r.possible, pn.isPossible(), `possible ${text}`);
  };
  for (const c of countries) compare(getExampleNumber(c, examples)!.number);
  fc.assert(
    fc.property(
      fc.constantFrom(...countries),
      fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 }),
      fc.constantFrom(' ', '-', '.', ' - '),
      fc.stringMatching(/^[0-9]{0,2}$/),
      (c, cuts, sep, tail) => {
        const ex = getExampleNumber(c, examples)!;
        const digits = ex.number.slice(1);
        compare(grouped(digits, cuts, sep));
        compare(grouped(digits.slice(0, -tail.length || undefined) + tail, cuts, sep)); // nearby numbers
      },
    ),
    { numRuns: 4000 },
  );
});
