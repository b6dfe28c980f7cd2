/**
 * Throughput of validateField vs raw libphonenumber-js (`parsePhoneNumberWithError` + `isValid`)
 * on one core, over (a) data/institutions.csv repeated and (b) a synthetic messy dataset built
 * from libphonenumber example numbers (labels, (0) trunk prefixes, Unicode spaces/dashes, several
 * numbers per field, IDD prefixes, junk). Prints inputs/s for both and the ratio ours/raw, and
 * what the messy-input repairs cost (default `safe` against `repairs: none`).
 *
 * Run: node --import tsx bench/core-check.ts [rounds=7]
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { getCountries, getExampleNumber, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { validateField } from '../core/validate.ts';

type Input = [raw: string, region: string | null];

const rounds = Number(process.argv[2] ?? 7);
const rows = parse(readFileSync(new URL('../data/institutions.csv', import.meta.url)), { columns: true }) as {
  country: string;
  raw_phone: string;
}[];
const institutions: Input[] = rows.map((r) => [r.raw_phone, r.country]);

// Deterministic xorshift PRNG so runs are comparable.
let seed = 0x9e3779b9;
const rnd = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
function synthetic(n: number): Input[] {
  const pool = getCountries()
    .map((c) => [c, getExampleNumber(c, examples)] as const)
    .filter(([, e]) => e !== undefined);
  const out: Input[] = [];
  const spaces = [' ', '\u00a0', '\u202f', '-', '\u2013', '.'];
  for (let i = 0; i < n; i++) {
    const [c, ex] = pool[rnd(pool.length)]!;
    const nat = ex!.formatNational();
    const intl = ex!.formatInternational();
    const sp = spaces[rnd(spaces.length)]!;
    switch (rnd(10)) {
      case 0:
        out.push([nat, c]);
        break;
      case 1:
        out.push([intl, null]);
        break;
      case 2:
        out.push([intl.replace(/ /g, sp), c]);
        break;
      case 3:
        out.push([`Tel: ${intl}`, c]);
        break;
      case 4:
        out.push([`${nat} / ${nat.slice(0, -1)}${rnd(10)}`, c]);
        break;
      case 5:
        out.push([`${intl.replace(' ', ' (0) ')}`, null]);
        break;
      case 6:
        out.push([`${ex!.number}, ${intl}`, null]);
        break;
      case 7:
        out.push([`00${ex!.number.slice(1)}`, 'DE']);
        break;
      case 8:
        out.push([`${nat.slice(0, -2)} ${'ABCXYZ'[rnd(6)]}${rnd(10)}`, c]);
        break;
      default:
        out.push([ex!.number, null]);
    }
  }
  return out;
}

function time(inputs: Input[], reps: number, f: (raw: string, region: CountryCode | undefined) => number): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < reps; k++)
    for (const [raw, region] of inputs) sink += f(raw, (region ?? undefined) as CountryCode | undefined);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink < 0) console.log(sink);
  return (inputs.length * reps) / s;
}

const raw = (text: string, region: CountryCode | undefined): number => {
  try {
    return parsePhoneNumberWithError(text, region).isValid() ? 1 : 0;
  } catch {
    return 0;
  }
};
const ours = (text: string, region: CountryCode | undefined): number => {
  const rs = validateField(text, region);
  let v = 0;
  for (const r of rs) if (r.valid) v++;
  return v;
};
// The same without the messy-input repairs (core/repairs.ts): what the repairs cost.
const plain = (text: string, region: CountryCode | undefined): number => {
  const rs = validateField(text, region, { repairs: 'none' });
  let v = 0;
  for (const r of rs) if (r.valid) v++;
  return v;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  if (m === undefined) throw new Error('median of no samples: rounds must be at least 1');
  return m;
}

function bench(name: string, inputs: Input[], reps: number): void {
  time(inputs, 1, raw);
  time(inputs, 1, ours); // warm-up (JIT, compiled plans)
  time(inputs, 1, plain);
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(time(inputs, reps, raw));
    b.push(time(inputs, reps, ours));
    c.push(time(inputs, reps, plain));
  }
  const ra = median(a);
  const rb = median(b);
  const rc = median(c);
  const numbers = inputs.reduce((n, [t, r]) => n + validateField(t, r).length, 0);
  console.log(`${name}: ${inputs.length} fields (${numbers} results)`);
  console.log(`  raw parsePhoneNumberWithError+isValid: ${Math.round(ra).toLocaleString('en')} fields/s`);
  console.log(
    `  validateField:                         ${Math.round(rb).toLocaleString('en')} fields/s (${Math.round((rb * numbers) / inputs.length).toLocaleString('en')} results/s)`,
  );
  console.log(`  ratio validateField / raw: ${(rb / ra).toFixed(2)}`);
  console.log(
    `  repairs: none ${Math.round(rc).toLocaleString('en')} fields/s; ratio default (safe) / none: ${(rb / rc).toFixed(2)}`,
  );
}

bench('institutions.csv x10', institutions, 10);
bench('synthetic messy (20k)', synthetic(20000), 1);
