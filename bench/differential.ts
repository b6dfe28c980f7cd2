/**
 * Differential run (used by `make bench`): classifyNational vs libphonenumber-js/max on millions
 * of inputs over every region. Usage: node --import tsx bench/differential.ts [totalInputs] [seed]
 * Prints the mismatch count; exits 1 on any mismatch.
 */
import { allRegions, LIBPHONENUMBER_VERSION } from '../core/metadata.ts';
import { compareRegion, type Mismatch } from './differential-lib.ts';

const total = Number(process.argv[2] ?? 2_000_000);
const seed = Number(process.argv[3] ?? 12345);
const regions = allRegions();
const heavy = new Set([
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
]);
const per = Math.max(1000, Math.floor(total / (regions.length + heavy.size * 9)));
const mism: Mismatch[] = [];
let n = 0;
const t0 = Date.now();
for (const [i, r] of regions.entries()) n += compareRegion(r, heavy.has(r) ? per * 10 : per, seed + i, mism);
const s = (Date.now() - t0) / 1000;
console.log(
  `libphonenumber-js ${LIBPHONENUMBER_VERSION}: ${n} comparisons over ${regions.length} regions in ${s.toFixed(1)} s, mismatches: ${mism.length}`,
);
for (const m of mism.slice(0, 20)) console.log('  ', m);
process.exit(mism.length ? 1 : 0);
