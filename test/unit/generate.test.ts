import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { createGenerator, GenerateSpecError, type Generator } from '../../core/generate.ts';
import type { GenerateSpec } from '../../batches/spec.ts';
import type { GeneratedNumber } from '../../core/types.ts';

/** Slow oracle: the E.164 parses back to itself, is valid, and belongs to the region. */
function assertLibValid(g: Generator, n: { e164: string; type: string | null }): void {
  const p = parsePhoneNumberFromString(n.e164);
  assert.ok(p, n.e164);
  assert.equal(p.number, n.e164);
  assert.equal(p.isValid(), true, n.e164);
  assert.equal(p.country, g.region, n.e164);
  assert.equal(p.getType() ?? null, n.type, n.e164);
}

function all(g: Generator, start = 0, end = g.count): GeneratedNumber[] {
  const out: GeneratedNumber[] = [];
  g.fill(start, end, out);
  return out;
}

function specError(fn: () => unknown, field: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GenerateSpecError, String(e));
    assert.equal(e.field, field);
    assert.match(e.message, re);
    return true;
  });
}

const SPECS: GenerateSpec[] = [
  { region: 'US', mode: 'random', count: 5000, areaCodes: ['212', '646'] },
  { region: 'GB', count: 5000 },
  { region: 'AU', count: 5000 },
  { region: 'DE', mode: 'random', numberType: 'MOBILE', count: 5000 },
  { region: 'JE', mode: 'random', count: 5000 },
  { region: 'US', mode: 'range', prefix: '+1 212 555 1', count: 1000 },
];

test('uniqueness, validity (oracle) and the requested constraints', () => {
  for (const s of SPECS) {
    const g = createGenerator(s);
    const nums = all(g);
    assert.equal(nums.length, s.count);
    assert.equal(new Set(nums.map((n) => n.e164)).size, s.count, `duplicates in ${JSON.stringify(s)}`);
    nums.forEach((n, i) => {
      assert.equal(n.seq, i);
      assert.equal(n.valid, true);
      assert.equal(n.region, s.region);
      if (s.numberType) assert.equal(n.type, s.numberType);
    });
    for (let i = 0; i < nums.length; i += 7) assertLibValid(g, nums[i]!);
  }
});

test('property: any window of a random batch is unique, valid, and equals at()', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<GenerateSpec>(
        { region: 'US', mode: 'random', count: 100_000, areaCodes: ['415'] },
        { region: 'FR', mode: 'random', count: 100_000 },
        { region: 'GB', mode: 'random', count: 100_000, numberType: 'MOBILE' },
        { region: 'AR', mode: 'random', count: 100_000, numberType: 'MOBILE' },
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 99_000 }),
      (spec, seed, start) => {
        const g = createGenerator({ ...spec, seed });
        const win = all(g, start, start + 1000);
        assert.equal(new Set(win.map((n) => n.e164)).size, 1000);
        for (let i = 0; i < win.length; i += 50) {
          assert.deepEqual(g.at(start + i), win[i]);
          assert.equal(g.e164At(start + i), win[i]!.e164);
          assertLibValid(g, win[i]!);
        }
      },
    ),
    { numRuns: 25 },
  );
});

test('property: deterministic for the same spec+seed, different for another seed', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 20 }), (seed) => {
      const spec: GenerateSpec = { region: 'US', mode: 'random', count: 2000, areaCodes: ['212', '646'], seed };
      const a = all(createGenerator(spec)).map((n) => n.e164);
      const b = all(createGenerator({ ...spec })).map((n) => n.e164);
      assert.deepEqual(a, b);
      const c = all(createGenerator({ ...spec, seed: seed + 'x' })).map((n) => n.e164);
      assert.notDeepEqual(a, c);
    }),
    { numRuns: 10 },
  );
  // no seed: derived from the spec, so equal specs agree
  const s: GenerateSpec = { region: 'GB', count: 300 };
  assert.deepEqual(all(createGenerator(s)), all(createGenerator({ ...s })));
});

test('fill with callback equals fill into array', () => {
  const g = createGenerator({ region: 'AU', mode: 'random', count: 2000, seed: 'cb' });
  const rows: string[] = [];
  g.fill(100, 600, (seq, e164, type) => rows.push(`${seq}\t${e164}\t${type}`));
  assert.deepEqual(
    rows,
    all(g, 100, 600).map((n) => `${n.seq}\t${n.e164}\t${n.type}`),
  );
  assert.throws(() => g.fill(0, 2001, []), RangeError);
  assert.throws(() => g.at(2000), RangeError);
});

test('fictional NANP: 100 numbers per NPA, exact capacity errors', () => {
  const g = createGenerator({ region: 'US', count: 100, areaCodes: ['212'] });
  assert.equal(g.capacity, 100);
  const nums = all(g)
    .map((n) => n.e164)
    .sort();
  assert.equal(nums[0], '+12125550100');
  assert.equal(nums[99], '+12125550199');
  assert.equal(createGenerator({ region: 'US', count: 1, areaCodes: ['212', '646'] }).capacity, 200);
  specError(
    () => createGenerator({ region: 'US', count: 101, areaCodes: ['212'] }),
    'generate.count',
    /^generate\.count: 101 requested but only 100 fictional numbers exist for US \(/,
  );
  specError(
    () => createGenerator({ region: 'US', count: 1, areaCodes: ['212', '999'] }),
    'generate.areaCodes',
    /area code 999/,
  );
  const all555 = createGenerator({ region: 'US', count: 1 });
  assert.equal(all555.capacity % 100, 0);
  assert.ok(all555.capacity >= 20_000);
});

test('US/CA MOBILE is rejected with FIXED_LINE_OR_MOBILE suggested, in every mode', () => {
  for (const mode of ['fictional', 'random'] as const) {
    for (const region of ['US', 'CA']) {
      specError(
        () => createGenerator({ region, mode, count: 1, numberType: 'MOBILE' }),
        'generate.numberType',
        /FIXED_LINE_OR_MOBILE/,
      );
    }
  }
  const ok = createGenerator({ region: 'US', mode: 'random', count: 10, numberType: 'FIXED_LINE_OR_MOBILE' });
  assert.ok(all(ok).every((n) => n.type === 'FIXED_LINE_OR_MOBILE'));
});

test('GB fictional: has 020 7946 0xxx, never 07700 900xxx; GB fictional MOBILE impossible', () => {
  const g = createGenerator({ region: 'GB', count: 1 });
  const nums = all(createGenerator({ region: 'GB', count: g.capacity }));
  const e = new Set(nums.map((n) => n.e164));
  for (let i = 0; i < 1000; i++) assert.ok(e.has('+44207946' + String(i).padStart(4, '0')));
  assert.ok(![...e].some((x) => x.startsWith('+447700900')));
  assert.equal(g.capacity, 15_000);
  specError(() => createGenerator({ region: 'GB', count: 1, numberType: 'MOBILE' }), 'generate.numberType', /MOBILE/);
  specError(
    () => createGenerator({ region: 'GB', count: 250_000 }),
    'generate.count',
    /250000 requested but only 15000 fictional numbers exist for GB \(.*020 7946 0xxx/,
  );
  const london = createGenerator({ region: 'GB', count: 1000, areaCodes: ['20'] });
  assert.equal(london.capacity, 1000);
});

test('AU fictional includes +61491570156; unsupported regions list the supported ones', () => {
  const g = createGenerator({ region: 'AU', count: 1 });
  const e = new Set(all(createGenerator({ region: 'AU', count: g.capacity })).map((n) => n.e164));
  assert.ok(e.has('+61491570156'));
  assert.ok(e.has('+61255501234'));
  assert.ok(e.has('+611800160401'));
  assert.equal(all(createGenerator({ region: 'AU', count: 30, numberType: 'MOBILE' })).length, 30);
  specError(() => createGenerator({ region: 'AU', count: 31, numberType: 'MOBILE' }), 'generate.count', /only 30 /);
  specError(() => createGenerator({ region: 'DE', count: 1 }), 'generate.mode', /supports GB, AU, US/);
});

test('range mode', () => {
  const g = createGenerator({ region: 'US', mode: 'range', prefix: '+1 212 555 1', count: 1000 });
  assert.equal(g.capacity, 1000);
  const nums = all(g);
  assert.ok(nums.every((n) => /^\+12125551\d{3}$/.test(n.e164)));
  specError(
    () => createGenerator({ region: 'US', mode: 'range', prefix: '+1 212 555 1', count: 1001 }),
    'generate.count',
    /1001 requested but only 1000 range numbers/,
  );
  specError(
    () => createGenerator({ region: 'US', mode: 'range', prefix: '+44 20 7946', count: 1 }),
    'generate.prefix',
    /\+44/,
  );
  specError(
    () => createGenerator({ region: 'GB', mode: 'range', prefix: '+44 020 7946', count: 1 }),
    'generate.prefix',
    /trunk prefix 0/,
  );
  specError(
    () => createGenerator({ region: 'GB', mode: 'range', prefix: '+44 7700 900', count: 1 }),
    'generate.prefix',
    /no valid number for GB/,
  );
  // a JE block is not a GB block
  specError(
    () => createGenerator({ region: 'GB', mode: 'range', prefix: '+44 1534 7', count: 1 }),
    'generate.prefix',
    /no valid number for GB/,
  );
  const je = createGenerator({ region: 'JE', mode: 'range', prefix: '+44 1534 7', count: 10 });
  assert.ok(all(je).every((n) => n.e164.startsWith('+4415347') && n.region === 'JE'));
});

test('random mode US with areaCodes [212, 646] stays inside those NPAs', () => {
  const g = createGenerator({ region: 'US', mode: 'random', count: 20_000, areaCodes: ['212', '646'], seed: 's' });
  const nums = all(g);
  assert.ok(nums.every((n) => n.e164.startsWith('+1212') || n.e164.startsWith('+1646')));
  const n212 = nums.filter((n) => n.e164.startsWith('+1212')).length;
  assert.ok(n212 > 5000 && n212 < 15000, `${n212} of 20000 in 212`);
});

test('random DE MOBILE: valid and typed MOBILE', () => {
  const g = createGenerator({ region: 'DE', mode: 'random', numberType: 'MOBILE', count: 3000 });
  for (const n of all(g)) {
    assert.equal(n.type, 'MOBILE');
  }
  for (const n of all(g, 0, 300)) assertLibValid(g, n);
});

test('region attribution in random mode: CC/CX mobiles belong to AU, GB excludes JE/GG/IM', () => {
  specError(
    () => createGenerator({ region: 'CX', mode: 'random', numberType: 'MOBILE', count: 1 }),
    'generate.numberType',
    /no valid MOBILE numbers exist for CX/,
  );
  const g = createGenerator({ region: 'GB', mode: 'random', numberType: 'MOBILE', count: 20_000, seed: 'gb' });
  for (const n of all(g)) assert.equal(parsePhoneNumberFromString(n.e164)?.country, 'GB');
});
