import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCountries, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import {
  classifyNational,
  compileRegion,
  readInternational,
  readNational,
  type InternationalReading,
} from '../../core/fastpath.ts';
import { getRegionPlan, LIBPHONENUMBER_VERSION } from '../../core/metadata.ts';
import { checkText, parsedCheck, type Checked } from '../../core/check-text.ts';
import { createGenerator } from '../../core/generate.ts';
import { compareRegion, oracle, rng, type Mismatch } from '../../bench/differential-lib.ts';
import type { Region } from '../../core/types.ts';

const FOCUS: Region[] = [
  'US',
  'CA',
  'GB',
  'JE',
  'IM',
  'GG',
  'DE',
  'FR',
  'AU',
  'AR',
  'BR',
  'VN',
  'RU',
  'KZ',
  'IN',
  'IT',
  'JP',
  'BY',
  'MG',
  'NF',
  'SM',
  'CO',
];

test('library version is pinned', () => {
  assert.equal(LIBPHONENUMBER_VERSION, '1.13.16');
});

test('known verdicts', () => {
  assert.deepEqual(classifyNational('AU', '491570156'), { valid: true, type: 'MOBILE' });
  assert.deepEqual(classifyNational('US', '2015550123'), { valid: true, type: 'FIXED_LINE_OR_MOBILE' });
  assert.deepEqual(classifyNational('GB', '2079460123'), { valid: true, type: 'FIXED_LINE' });
  assert.equal(classifyNational('GB', '7700900123').valid, false); // Ofcom drama mobile: not valid
  assert.equal(classifyNational('US', '8001234567').valid, false); // valid under /min only (labelled DO)
  assert.deepEqual(classifyNational('US', '8002345678'), { valid: true, type: 'TOLL_FREE' });
  assert.deepEqual(classifyNational('FR', '812345678'), { valid: true, type: 'PREMIUM_RATE' });
  assert.deepEqual(classifyNational('FR', '810123456'), { valid: true, type: 'SHARED_COST' });
  // attribution among regions sharing a calling code
  assert.equal(classifyNational('GB', '7624123456').valid, false); // an IM mobile
  assert.equal(classifyNational('IM', '7624123456').valid, oracle('IM', '44', '7624123456') !== 'invalid');
  assert.equal(classifyNational('RU', '7012345678').valid, false); // KZ leading digit 7
  // too short / too long / not digits
  assert.equal(classifyNational('DE', '1').valid, false);
  assert.equal(classifyNational('DE', '1'.repeat(18)).valid, false);
  assert.equal(classifyNational('DE', '30a2345678').valid, false);
});

test('national prefix written after the calling code never validates (no round trip)', () => {
  // parse('+7 8 800 …') keeps or strips the 8 exactly as the library does; we agree with the oracle
  for (const [r, nsn] of [
    ['RU', '88005553535'],
    ['GB', '02079460123'],
    ['AR', '91123456789'],
    ['AR', '1115234567'],
    ['JP', '0037680123456789'],
    ['BY', '8101234567'],
  ] as Array<[Region, string]>) {
    const cc = compileRegion(r).callingCode;
    const lib = oracle(r, cc, nsn);
    const f = classifyNational(r, nsn);
    assert.equal(f.valid ? 'valid:' + f.type : 'invalid', lib, `${r} ${nsn}`);
  }
});

// A sample for the fast tier, in the regions whose plans broke before; every region (all 245,
// 2 M inputs) is `make test-differential`'s, which `make test` runs.
test('the fast path agrees with libphonenumber-js on ~1k inputs in each focus region', () => {
  const mism: Mismatch[] = [];
  let n = 0;
  FOCUS.forEach((r, i) => {
    n += compareRegion(r, 1_000, 1000 + i, mism);
  });
  assert.ok(n >= 20_000);
  assert.deepEqual(mism.slice(0, 5), []);
});

test('every number the generator produces is valid, with its type, for libphonenumber-js', () => {
  const specs = [
    { region: 'US', mode: 'random', count: 3000, areaCodes: ['212', '646'] },
    { region: 'GB', mode: 'random', count: 3000 },
    { region: 'JE', mode: 'random', count: 3000 },
    { region: 'KZ', mode: 'random', count: 3000 },
    { region: 'AR', mode: 'random', count: 3000, numberType: 'MOBILE' },
    { region: 'GB', count: 3000 },
    { region: 'AU', count: 3000 },
  ] as const;
  for (const s of specs) {
    const g = createGenerator({ ...s, areaCodes: 'areaCodes' in s ? [...s.areaCodes] : undefined });
    g.fill(0, s.count, (_seq, e164, type) => {
      const nsn = e164.slice(1 + g.callingCode.length);
      assert.equal(oracle(g.region, g.callingCode, nsn), 'valid:' + type, e164);
    });
  }
});

/** parse()'s reading of `text` as the fast readers report it, or 'invalid'. */
function parsed(text: string, region?: Region): string {
  let p: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    p = parsePhoneNumberWithError(text, region);
  } catch {
    return 'invalid';
  }
  if (!p.isValid() || p.carrierCode) return 'invalid';
  return `${p.country}:${p.nationalNumber}:${p.getType() ?? null}`;
}

function read(r: InternationalReading): string {
  return r.kind === 'valid' ? `${r.region}:${r.nsn}:${r.type}` : 'invalid';
}

/**
 * Inputs per region: valid numbers from the generator written every way a field writes digits
 * (national significant number, with the trunk prefix, as formatNational() writes it, behind
 * the region's IDD, behind its calling code, with a trunk prefix after the calling code or
 * doubled), each also with one digit changed, one added and
 * one dropped, so the national-prefix, IDD and attribution rules are all reached.
 */
function spellings(region: Region, count: number, seed: number): string[] {
  const plan = getRegionPlan(region);
  let g;
  try {
    g = createGenerator({ region, mode: 'random', count, seed: String(seed) });
  } catch {
    return []; // a plan with no number to generate
  }
  const next = rng(seed);
  const idd = plan.iddPrefix ? (getExampleIdd(region) ?? null) : null;
  const out: string[] = [];
  g.fill(0, count, (_seq, e164) => {
    const nsn = e164.slice(1 + g.callingCode.length);
    const national = parsePhoneNumberWithError(e164).formatNational().replace(/\D/g, '');
    const base = [nsn, national, plan.nationalPrefix ? plan.nationalPrefix + nsn : nsn, g.callingCode + nsn];
    // A trunk prefix after the calling code, and a doubled one: parse() strips exactly one.
    if (plan.nationalPrefix) base.push(g.callingCode + plan.nationalPrefix + nsn, plan.nationalPrefix.repeat(2) + nsn);
    if (idd !== null) base.push(idd + e164.slice(1), idd + '0' + e164.slice(1));
    for (const d of base) {
      const i = Math.floor(next() * d.length);
      out.push(d, d.slice(0, i) + String((Number(d[i]) + 1) % 10) + d.slice(i + 1), d + '5', d.slice(0, -1));
    }
  });
  return out;
}

/** One IDD the region's IDDPrefix pattern accepts (its usual one, e.g. 011 for US). */
function getExampleIdd(region: Region): string | undefined {
  const re = new RegExp('^(?:' + getRegionPlan(region).iddPrefix + ')$');
  return ['00', '011', '0011', '810', '001', '010', '0', '000', '119', '990', '009'].find((c) => re.test(c));
}

/**
 * Compares a fast reader with parse() over every region's {@link spellings}: the readings it
 * proves valid that parse() reads otherwise (must be none), and how many of parse()'s valid
 * readings it proves.
 */
function compareWithParse(
  seed: number,
  want: (region: Region, digits: string) => string,
  got: (region: Region, digits: string) => string,
): { wrong: string[]; valid: number; proven: number } {
  const wrong: string[] = [];
  let valid = 0;
  let proven = 0;
  getCountries().forEach((region, i) => {
    for (const d of spellings(region, 8, seed + i)) {
      const w = want(region, d);
      const g = got(region, d);
      if (w !== 'invalid') valid++;
      if (g === 'invalid') continue;
      proven++;
      if (g !== w) wrong.push(`${region} ${d}: parse ${w}, fast ${g}`);
    }
  });
  return { wrong, valid, proven };
}

test('readNational reports valid only what parse(digits, region) reads valid, and most of it', () => {
  const { wrong, valid, proven } = compareWithParse(
    7000,
    (region, d) => parsed(d, region),
    (region, d) => read(readNational(region, d)),
  );
  assert.deepEqual(wrong.slice(0, 10), []);
  assert.ok(valid > 5_000, `${valid} valid readings`);
  // The fast path is worth having only if it proves most valid national numbers.
  assert.ok(proven / valid > 0.6, `${proven} of ${valid} valid readings proven`);
});

test('readInternational reports valid only what parse("+" + digits) reads valid, and most of it', () => {
  const { wrong, valid, proven } = compareWithParse(
    9000,
    (_region, d) => parsed('+' + d),
    (_region, d) => read(readInternational(d)),
  );
  assert.deepEqual(wrong.slice(0, 10), []);
  assert.ok(proven / valid > 0.9, `${proven} of ${valid} valid readings proven`);
});

/** What parse() returns for `text`, as the fields fromParsed() reads, and whether it is valid. */
function parsedNumber(text: string, region?: Region): { key: string; valid: boolean } | 'throws' {
  try {
    const p = parsePhoneNumberWithError(text, region);
    const key = `${p.country}:${p.countryCallingCode}:${p.nationalNumber}:${p.carrierCode ?? ''}:${p.ext ?? ''}`;
    return { key, valid: p.isValid() };
  } catch {
    return 'throws';
  }
}

function parsedAsOf(r: InternationalReading): string | null {
  if (r.kind !== 'invalid' || r.parsedAs === undefined) return null;
  const { region, nsn } = r.parsedAs;
  return `${region}:${getRegionPlan(region).callingCode}:${nsn}::`;
}

test('an invalid reading the readers report is the PhoneNumber parse() returns', () => {
  let known = 0;
  let invalid = 0;
  const wrong: string[] = [];
  getCountries().forEach((region, i) => {
    // The spellings' digit changes make most of them invalid; short and long ones probe parse()'s throws.
    for (const d of [...spellings(region, 6, 11000 + i), '1', '12', '123', '0'.repeat(18), '1'.repeat(20)]) {
      for (const [got, want] of [
        [parsedAsOf(readNational(region, d)), parsedNumber(d, region)],
        [parsedAsOf(readInternational(d)), parsedNumber('+' + d)],
      ] as const) {
        if (want !== 'throws' && !want.valid) invalid++;
        if (got === null) continue;
        known++;
        if (want === 'throws' || got !== want.key)
          wrong.push(`${region} ${d}: parse ${JSON.stringify(want)}, reader ${got}`);
      }
    }
  });
  assert.deepEqual(wrong.slice(0, 10), []);
  // Worth having only if it spares most invalid readings their parse.
  assert.ok(known / invalid > 0.5, `${known} of ${invalid} invalid readings known`);
});

/** A reading's row without its PhoneNumber object (compared by the fields above instead). */
function rowOf(c: Checked): unknown {
  const { pn, ...rest } = c;
  return { ...rest, pn: pn === null ? null : `${pn.country}:${pn.number}:${pn.carrierCode ?? ''}:${pn.ext ?? ''}` };
}

test('checkText gives the row a parse gives, for valid and invalid text, punctuated or not', () => {
  const wrong: string[] = [];
  let n = 0;
  getCountries().forEach((region, i) => {
    const texts = ['1-2', '(12', '12)', '1 2', '+1 2', '+12', '(0)1', '1.2.3', '(1) 2'];
    for (const d of spellings(region, 2, 13000 + i)) {
      texts.push(
        d,
        '+' + d,
        `(${d.slice(0, 3)}) ${d.slice(3)}`,
        d.replace(/(\d{3})(?=\d)/g, '$1-'),
        `+${d.slice(0, 2)} (0) ${d.slice(2)}`,
      );
    }
    for (const t of texts) {
      n++;
      const got = rowOf(checkText(t, t, region));
      const want = rowOf(parsedCheck(t, t, region));
      if (JSON.stringify(got) !== JSON.stringify(want))
        wrong.push(`${region} ${JSON.stringify(t)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
  });
  assert.deepEqual(wrong.slice(0, 5), []);
  assert.ok(n > 20_000, `${n} texts`);
});
