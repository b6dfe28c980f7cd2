/**
 * Messy-input repairs (core/repairs.ts, core/field-repairs.ts): one test per class of issue 8,
 * several inputs across countries each, plus the property that a repair never turns a number
 * libphonenumber reads as valid into another one unless the field proves it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getCountries, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { validateField } from '../../core/validate.ts';
import { RENUMBERINGS } from '../../core/renumbering.ts';
import type { CheckResult, ValidateOptions } from '../../core/types.ts';

type Expect = Partial<
  Pick<CheckResult, 'e164' | 'valid' | 'error' | 'ext' | 'label' | 'repairs' | 'warnings' | 'emergency' | 'carrierCode'>
>;

/** Asserts each row of `validateField(raw, region, options)` has the fields of `want` (same count). */
function expectRows(raw: string, region: string | null, want: Expect[], options?: ValidateOptions): CheckResult[] {
  const rows = validateField(raw, region, options);
  assert.equal(rows.length, want.length, `${raw}: ${JSON.stringify(rows)}`);
  want.forEach((w, i) => {
    for (const [k, v] of Object.entries(w)) {
      assert.deepEqual(
        rows[i]![k as keyof CheckResult],
        v,
        `${raw} (${region}) row ${i} ${k}: ${JSON.stringify(rows[i])}`,
      );
    }
  });
  return rows;
}

test('repairs none gives the plain reading: no labels, no repairs, no new error codes', () => {
  const none = { repairs: 'none' } as const;
  expectRows('911', 'US', [{ error: 'TOO_SHORT', repairs: [], emergency: null }], none);
  expectRows('+44 20 7946 0321 (mobile)', 'GB', [{ valid: true, label: null }, { error: 'NOT_A_NUMBER' }], none);
  expectRows('00 33 1 42 68 53 00', 'CA', [{ valid: false, repairs: [] }], none);
  expectRows('0 21 11 98765 4321', 'BR', [{ valid: true, carrierCode: null, repairs: [] }], none);
});

test('short and emergency numbers are SHORT_NUMBER with emergency, never an E.164', () => {
  for (const [raw, region, emergency] of [
    ['911', 'US', true],
    ['112', 'DE', true],
    ['110', 'DE', true],
    ['999', 'GB', true],
    ['000', 'AU', true],
    ['15', 'FR', true],
    ['116 000', 'FR', false],
    ['118 218', 'FR', false],
  ] as const) {
    expectRows(raw, region, [{ error: 'SHORT_NUMBER', e164: null, valid: false, emergency }]);
  }
  // Not a short number of the region: libphonenumber's verdict stays.
  expectRows('12345', 'US', [{ error: 'TOO_SHORT', emergency: null }]);
});

test('annotations become the label of the number they annotate', () => {
  expectRows('+44 20 7946 0321 (mobile)', 'GB', [{ e164: '+442079460321', label: 'mobile' }]);
  expectRows('Fax: +44 20 7946 0321', 'GB', [{ label: 'fax' }]);
  expectRows('mob. 0171 1234567', 'DE', [{ e164: '+491711234567', label: 'mobile' }]);
  expectRows('Handy 0171 1234567', 'DE', [{ label: 'mobile' }]);
  expectRows('0171 1234567 mobil', 'DE', [{ label: 'mobile' }]);
  expectRows('WhatsApp +49 171 1234567', 'DE', [{ label: 'whatsapp' }]);
  expectRows('(office) 020 7946 0321', 'GB', [{ label: 'office' }]);
  expectRows('portable 06 12 34 56 78', 'FR', [{ e164: '+33612345678', label: 'mobile' }]);
  expectRows('celular 11 98765 4321', 'BR', [{ e164: '+5511987654321', label: 'mobile' }]);
  expectRows('tel. 020 7946 0321, fax 020 7946 0322', 'GB', [{ label: 'phone' }, { label: 'fax' }]);
});

test('a field with only annotations still gets one error row', () => {
  for (const raw of ['(mobile)', 'Tel:', 'Fax / WhatsApp']) {
    const [row] = expectRows(raw, 'GB', [{ error: 'NOT_A_NUMBER', e164: null }]);
    assert.match(row!.detail!, /only a label/);
  }
});

test('extension words of other languages are read as extensions', () => {
  for (const [raw, region, e164, ext] of [
    ['+49 30 1234567 Durchwahl 21', 'DE', '+49301234567', '21'],
    ['+49 30 1234567, DW 21', 'DE', '+49301234567', '21'],
    ['+39 06 1234 5678 interno 21', 'IT', '+390612345678', '21'],
    ['+55 11 3456 7890 ramal 21', 'BR', '+551134567890', '21'],
    ['+7 495 123 45 67 доб. 123', 'RU', '+74951234567', '123'],
    ['+886 2 2345 6789 內線 21', 'TW', '+886223456789', '21'],
    ['+1 212 555 0100 ext. 21', 'US', '+12125550100', '21'],
  ] as const) {
    expectRows(raw, region, [{ e164, ext, valid: true }]);
  }
});

test('a list of extensions gives one row per extension, same E.164', () => {
  const two = [
    { e164: '+12125550100', ext: '21' },
    { e164: '+12125550100', ext: '22' },
  ];
  const rows = expectRows('+1 212 555 0100 ext. 21/22', 'US', two);
  assert.deepEqual(
    rows.map((r) => r.national),
    ['(212) 555-0100 ext. 21', '(212) 555-0100 ext. 22'],
    'the national format carries each row its own extension',
  );
  assert.equal(expectRows('+1 212 555 0100 x21, x22', 'US', two)[1]!.national, '(212) 555-0100 ext. 22');
  expectRows('+1 212 555 0100 ext 21, 22', 'US', two);
  expectRows('+49 30 1234567 Durchwahl 21/22', 'DE', [
    { e164: '+49301234567', ext: '21' },
    { e164: '+49301234567', ext: '22' },
  ]);
});

test('a trailing extension marker with no digits is dropped with a warning', () => {
  for (const raw of ['+1 212 555 0100 ext.', '+1 212 555 0100 x', '+49 30 1234567 Durchwahl']) {
    expectRows(raw, null, [{ valid: true, ext: null, warnings: ['extension_without_digits'] }]);
  }
});

test('labels glued to digits split the field into labelled numbers', () => {
  expectRows('Tel:+49 30 1234567Fax:+49 30 1234568', 'DE', [
    { e164: '+49301234567', label: 'phone' },
    { e164: '+49301234568', label: 'fax' },
  ]);
  expectRows('Tel:020 7946 0321Fax:020 7946 0322', 'GB', [
    { e164: '+442079460321', label: 'phone' },
    { e164: '+442079460322', label: 'fax' },
  ]);
  // One-letter labels glue only with their colon.
  expectRows('T:0612345678F:0612345679', 'NL', [
    { e164: '+31612345678', label: 'phone' },
    { e164: '+31612345679', label: 'fax' },
  ]);
  // Vanity text is not a glued label (no colon).
  expectRows('1-800-FAX-ME-NOW', 'US', [{ error: 'NOT_A_NUMBER' }]);
});

test('invisible and non-ASCII characters: ignorables removed, NFKC, every decimal digit to ASCII', () => {
  for (const [raw, region, e164] of [
    ['\u200e+44 20 7946 0321\u200f', null, '+442079460321'], // bidi marks
    ['\ufeff020 7946 0321', 'GB', '+442079460321'], // BOM
    ['+44\u200d 20 7946\ufe0f 0321', null, '+442079460321'], // joiner, variation selector
    ['\u0660\u0662\u0660 \u0667\u0669\u0664\u0666 \u0660\u0663\u0662\u0661', 'GB', '+442079460321'], // Arabic-Indic
    ['\u06f0\u06f2\u06f0 \u06f7\u06f9\u06f4\u06f6 \u06f0\u06f3\u06f2\u06f1', 'GB', '+442079460321'], // Persian
    ['\u0966\u0968\u0966 \u096d\u096f\u096a\u096c \u0966\u0969\u0968\u0967', 'GB', '+442079460321'], // Devanagari
    ['\u09e6\u09e8\u09e6 \u09ed\u09ef\u09ea\u09ec \u09e6\u09e9\u09e8\u09e7', 'GB', '+442079460321'], // Bengali
    ['\u0e50\u0e52\u0e50 \u0e57\u0e59\u0e54\u0e56 \u0e50\u0e53\u0e52\u0e51', 'GB', '+442079460321'], // Thai
    ['\uff0b\uff14\uff14 \uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff13\uff12\uff11', null, '+442079460321'], // full-width
  ] as const) {
    expectRows(raw, region, [{ e164, valid: true }]);
  }
});

test('a calling code written without + is read when the (0) proves it or the number is only valid so', () => {
  expectRows('33 (0)1 42 68 53 00', 'US', [{ e164: '+33142685300', repairs: ['plus_added'] }]);
  expectRows('33 (0)1 42 68 53 00', 'FR', [{ e164: '+33142685300', valid: true }]);
  expectRows('49 (0)30 1234567', 'US', [{ e164: '+49301234567', repairs: ['plus_added'] }]);
  // The (0) proves it even where the digits are also a (long) national number.
  expectRows('44 (0)20 7946 0321', 'DE', [{ e164: '+442079460321', repairs: ['plus_added'] }]);
  expectRows('44 20 7946 0321', 'FR', [{ e164: '+442079460321', repairs: ['plus_added'] }]);
  expectRows('61 2 9876 5432', 'NZ', [{ e164: '+61298765432', repairs: ['plus_added'] }]);
  // Valid both ways: the national reading stays, with a warning naming the other one.
  const [both] = expectRows('212 555 0100', 'DE', [{ e164: '+492125550100', repairs: [] }]);
  assert.ok(!both!.warnings.includes('possible_missing_plus') || /\+/.test(both!.detail ?? ''));
  // Grouped so that the first group is not the calling code: not a missing plus.
  expectRows('321 1234567', 'US', [{ repairs: [] }]);
  // Two numbers are never glued into one foreign number.
  expectRows('82 12 34 / 82 12 35', 'WF', [{ repairs: [] }, { repairs: [] }]);
});

test('possible_missing_plus names the international reading of a number valid both ways', () => {
  // 7-digit-area NANP number that is also a valid Swiss number once read with +41.
  let found = 0;
  for (const c of ['US', 'GB', 'DE', 'FR', 'IN', 'BR'] as const) {
    const ex = getExampleNumber(c, examples)!;
    const digits = ex.number.slice(1);
    for (const r of validateField(digits, 'DE')) {
      if (r.warnings.includes('possible_missing_plus')) {
        found++;
        assert.match(
          r.detail!,
          /(also valid read as international|may be an international number without its "\+"): \+\d+/,
        );
        assert.equal(
          r.repairs.length,
          0,
          'the national reading is kept: an unbroken run of digits gets no plus under safe',
        );
      }
    }
  }
  // DE's open numbering plan reads most foreign numbers as valid national ones.
  assert.ok(found > 0, 'at least one example number is valid both ways in DE');
});

test("another region's IDD is read as one, and the region's own IDDs keep working", () => {
  expectRows('00 33 1 42 68 53 00', 'CA', [{ e164: '+33142685300', repairs: ['idd_assumed'] }]);
  expectRows('0033 1 42 68 53 00', 'AU', [{ e164: '+33142685300', repairs: ['idd_assumed'] }]);
  expectRows('011 44 20 7946 0321', 'GB', [{ e164: '+442079460321', repairs: ['idd_assumed'] }]);
  expectRows('00 55 11 98765 4321', 'BR', [{ e164: '+5511987654321', repairs: ['idd_assumed'] }]);
  for (const [raw, region, e164] of [
    ['011 33 1 42 68 53 00', 'US', '+33142685300'],
    ['0011 33 1 42 68 53 00', 'AU', '+33142685300'],
    ['810 33 1 42 68 53 00', 'RU', '+33142685300'],
    ['0021 55 11 98765 4321', 'BR', '+5511987654321'], // 00 + carrier 21
    ['0033 1 42 68 53 00', 'DE', '+33142685300'],
  ] as const) {
    expectRows(raw, region, [{ e164, repairs: [] }]);
  }
  // A valid national number that merely starts like a foreign IDD is never rewritten.
  expectRows('0011 2345 6789', 'GB', [{ repairs: [] }]);
  expectRows('010 1234 5678', 'DE', [{ repairs: [] }]);
});

test('IDD readings need a default region', () => {
  expectRows('0049 89 1234 5678', null, [{ error: 'INVALID_COUNTRY', repairs: [] }]);
  expectRows('49 30 1234 5678', null, [{ valid: false, repairs: [] }]);
});

test('carrier selection codes are removed and reported', () => {
  expectRows('0 21 11 98765 4321', 'BR', [
    { e164: '+5511987654321', carrierCode: '21', repairs: ['carrier_code_removed'] },
  ]);
  expectRows('0 15 11 98765 4321', 'BR', [{ carrierCode: '15', repairs: ['carrier_code_removed'] }]);
  expectRows('(0xx11) 98765-4321', 'BR', [{ e164: '+5511987654321', repairs: ['carrier_code_removed'] }]);
  expectRows('0xx21 3456 7890', 'BR', [{ e164: '+552134567890', repairs: ['carrier_code_removed'] }]);
  expectRows('0 456 601 2345678', 'CO', [
    { e164: '+576012345678', carrierCode: '456', repairs: ['carrier_code_removed'] },
  ]);
});

test('spreadsheet exponent notation expands exactly from the text, or is SPREADSHEET_PRECISION_LOST', () => {
  expectRows('4.930123456E+10', 'DE', [{ e164: '+49301234560', repairs: ['spreadsheet_exponent'] }]);
  expectRows('4,4207946032E+11', 'GB', [{ e164: '+442079460320', repairs: ['spreadsheet_exponent'] }]);
  expectRows('2.125550100E+9', 'US', [{ e164: '+12125550100', repairs: ['spreadsheet_exponent'] }]);
  for (const raw of ['4.93012E+10', '4.42079E+11', '1.2E+3']) {
    expectRows(raw, 'GB', [{ error: 'SPREADSHEET_PRECISION_LOST', e164: null, valid: false }]);
  }
});

test('a lost leading zero is restored only with repairs all or a numeric source; safe warns', () => {
  expectRows('612345678', 'IT', [{ valid: false, warnings: ['possible_lost_leading_zero'] }]);
  expectRows('612345678', 'IT', [{ e164: '+390612345678', repairs: ['leading_zero_restored'] }], {
    numericSource: true,
  });
  expectRows('212345678', 'IT', [{ e164: '+390212345678', repairs: ['leading_zero_restored'] }], { repairs: 'all' });
  expectRows('06 12345678', 'IT', [{ e164: '+390612345678', repairs: [] }]);
});

test('masked numbers are MASKED; letters are never turned into digits', () => {
  for (const [raw, region] of [
    ['+49 30 XXXX 567', 'DE'],
    ['555-01**', 'US'],
    ['•••• 1234', 'US'],
    ['+1 (800) 55X-XXXX', 'US'],
    ['+33 6 ** ** 12 34', 'FR'],
    ['0171 123●●●●', 'DE'],
  ] as const) {
    expectRows(raw, region, [{ error: 'MASKED', e164: null }]);
  }
  expectRows('+1 212 555 0100 x21', 'US', [{ ext: '21', valid: true }]); // one x is an extension
});

test('local numbers without an area code are LOCAL_NUMBER unless defaultAreaCode is given', () => {
  expectRows('123 4567', 'DE', [{ error: 'LOCAL_NUMBER', e164: null }]);
  expectRows('765 4321', 'AT', [{ error: 'LOCAL_NUMBER' }]);
  expectRows('765 43 21', 'CH', [{ error: 'LOCAL_NUMBER' }]);
  expectRows('123 4567', 'DE', [{ e164: '+49301234567', repairs: ['area_code_added'] }], { defaultAreaCode: '30' });
  expectRows('765 4321', 'AT', [{ e164: '+4317654321', repairs: ['area_code_added'] }], { defaultAreaCode: '1' });
  expectRows('7946 0321', 'GB', [{ e164: '+442079460321', repairs: ['area_code_added'] }], { defaultAreaCode: '20' });
  // No trunk prefix in national format (NANP): libphonenumber's verdict stays.
  expectRows('555 0100', 'US', [{ error: 'TOO_SHORT' }]);
  // A short token (suite, room) is not a local number.
  expectRows('12345', 'GB', [{ error: 'TOO_SHORT' }]);
});

test('renumbered plans: a fixed rule is applied under all and warned about under safe; operator rules only warn', () => {
  expectRows('97 12 34 56', 'BJ', [{ valid: false, warnings: ['renumbered_plan'] }]);
  expectRows('97 12 34 56', 'BJ', [{ e164: '+2290197123456', repairs: ['renumbered'] }], { repairs: 'all' });
  expectRows('+229 21 30 12 34', null, [{ e164: '+2290121301234', repairs: ['renumbered'] }], { repairs: 'all' });
  expectRows('0162 123 4567', 'VN', [{ e164: '+84321234567', repairs: ['renumbered'] }], { repairs: 'all' });
  expectRows('0120 123 4567', 'VN', [{ e164: '+84701234567', repairs: ['renumbered'] }], { repairs: 'all' });
  expectRows('0162 123 4567', 'VN', [{ valid: false, warnings: ['renumbered_plan'] }]);
  expectRows('07 12 34 56', 'CI', [{ valid: false, warnings: ['renumbered_plan'] }], { repairs: 'all' });
  expectRows('+225 20 21 22 23', null, [{ valid: false, warnings: ['renumbered_plan'] }], { repairs: 'all' });
});

test('every fixed renumbering rule makes valid numbers of its plan', () => {
  const samples: Record<string, string> = { '229': '97123456', '84': '1621234567', '225': '07123456' };
  for (const r of RENUMBERINGS) {
    const old = samples[r.callingCode]!;
    assert.match(old, r.old, r.note);
    const nsn = r.rewrite?.(old) ?? null;
    if (nsn === null) continue;
    assert.equal(
      parsePhoneNumberFromString('+' + r.callingCode + nsn)?.isValid(),
      true,
      `${r.note}: +${r.callingCode}${nsn}`,
    );
    assert.equal(parsePhoneNumberFromString('+' + r.callingCode + old)?.isValid(), false, `old ${old} no longer valid`);
  }
});

const countries = getCountries().filter((c) => getExampleNumber(c, examples) !== undefined);

test('property: a number plain libphonenumber-js/max reads as valid keeps its E.164 unless the field proves otherwise', () => {
  const decorate = fc.constantFrom(
    (s: string) => s,
    (s: string) => `Tel: ${s}`,
    (s: string) => `${s} (mobile)`,
    (s: string) => `Fax:${s}`,
    (s: string) => ` ${s} `,
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...countries),
      fc.constantFrom('national', 'international', 'e164', 'digits'),
      decorate,
      fc.constantFrom<'safe' | 'all'>('safe', 'all'),
      (c: CountryCode, form, dress, repairs) => {
        const ex = getExampleNumber(c, examples)!;
        const text =
          form === 'national'
            ? ex.formatNational()
            : form === 'international'
              ? ex.formatInternational()
              : form === 'e164'
                ? ex.number
                : ex.formatNational().replace(/\D/g, '');
        const plain = parsePhoneNumberFromString(text, c);
        if (!plain?.isValid() || text.includes('(0)')) return;
        const rows = validateField(dress(text), c, { repairs });
        const valid = rows.filter((r) => r.valid);
        assert.equal(valid.length, 1, `${dress(text)} (${c}): ${JSON.stringify(rows)}`);
        assert.equal(valid[0]!.e164, plain.number, `${dress(text)} (${c}) ${repairs}`);
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: random digits plain libphonenumber reads as valid keep their E.164 under every mode', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...countries),
      fc.stringMatching(/^[0-9]{6,12}$/),
      fc.constantFrom<'safe' | 'all'>('safe', 'all'),
      (c, digits, repairs) => {
        const plain = parsePhoneNumberFromString(digits, c);
        if (!plain?.isValid()) return;
        const rows = validateField(digits, c, { repairs });
        assert.equal(rows[0]!.e164, plain.number, `${digits} (${c}): ${JSON.stringify(rows)}`);
      },
    ),
    { numRuns: 20000 },
  );
});

// Regressions found by an adversarial review of the first version (each once gave a wrong number).
test('an IDD is read only where the written groups put it, and not when two IDDs both fit', () => {
  expectRows('00 1 604 628 7884', 'US', [{ e164: '+16046287884', repairs: ['idd_assumed'] }]); // not +60 (MY)
  expectRows('001 649 313 5450', 'US', [{ valid: false, repairs: [] }]); // +1 649 (TC) or +64 9 (NZ)
});

test('a repair of the whole never beats a split that has a valid number', () => {
  expectRows('64 21 22 56 - 21', 'NO', [{ e164: '+4764212256' }, { e164: null }]);
  expectRows('010-4763-0994 - 21', 'KR', [{ e164: '+821047630994' }, { e164: null }]);
  expectRows('49 86 11 43 44 32', 'FO', [{ e164: '+298498611' }, { e164: '+298434432' }]); // not one DE number
  expectRows('381 1663 376 3444', 'IO', [{ e164: '+2463811663' }, { e164: '+2463763444' }]);
});

test('an unbroken run of digits gets a plus only with repairs all or a numeric source', () => {
  expectRows('6707021255', 'CM', [{ valid: false, repairs: [], warnings: ['possible_missing_plus'] }]); // a CM typo, not TL
  expectRows('442079460321', 'US', [{ e164: '+442079460321', repairs: ['plus_added'] }], { numericSource: true });
  expectRows('442079460321', 'US', [{ e164: '+442079460321', repairs: ['plus_added'] }], { repairs: 'all' });
});

test('one star, one bullet or an extension placeholder is not a mask', () => {
  expectRows('0171 1234567*', 'DE', [{ e164: '+491711234567' }]);
  expectRows('01805 123456*', 'DE', [{ e164: '+491805123456' }]);
  expectRows('+1 212 555 0100 ext. xxx', 'US', [{ e164: '+12125550100', warnings: ['extension_without_digits'] }]);
  expectRows('*100#', 'GB', [{ error: 'NOT_A_NUMBER' }]);
});

test('a long group after an extension is another number, not an extension', () => {
  const [first, second] = expectRows('212 555 0100 ext 1234567, 7654321', 'US', [{ ext: '1234567' }, { ext: null }]);
  assert.equal(first!.e164, '+12125550100');
  assert.notEqual(second!.e164, '+12125550100');
});

test('an annotation after several numbers labels only the one right before it', () => {
  expectRows('030 1234567 / 0171 1234567 (mobile)', 'DE', [{ label: null }, { label: 'mobile' }]);
});

test('LOCAL_NUMBER only when some area code makes the digits a fixed line', () => {
  expectRows('81436807', 'CD', [{ repairs: [] }]); // a mobile missing a digit: no area code fits
  assert.notEqual(validateField('81436807', 'CD')[0]!.error, 'LOCAL_NUMBER');
});
