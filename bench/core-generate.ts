/**
 * Micro-bench of the generator core (no I/O): numbers/s for fill() with a callback,
 * each number unranked, permuted and re-validated by classifyNational.
 * Usage: node --import tsx bench/core-generate.ts [n]
 */
import { createGenerator } from '../core/generate.ts';
import { classifyNational } from '../core/fastpath.ts';
import type { GenerateSpec } from '../batches/spec.ts';

const n = Number(process.argv[2] ?? 2_000_000);
const specs: GenerateSpec[] = [
  { region: 'US', mode: 'random', count: n, areaCodes: ['212', '646', '415', '312'] },
  { region: 'US', mode: 'random', count: n },
  { region: 'GB', mode: 'random', count: n, numberType: 'MOBILE' },
  { region: 'DE', mode: 'random', count: n },
  { region: 'US', count: 30_000 },
];
for (const s of specs) {
  const t0 = performance.now();
  const g = createGenerator(s);
  const t1 = performance.now();
  let bytes = 0;
  g.fill(0, g.count, (_seq, e164) => {
    bytes += e164.length;
  });
  const t2 = performance.now();
  console.log(
    `${JSON.stringify(s)}: setup ${(t1 - t0).toFixed(0)} ms, ${(g.count / ((t2 - t1) / 1000) / 1e6).toFixed(2)} M numbers/s (${g.count} numbers, ${bytes} bytes of E.164)`,
  );
}
// validator alone
const nsns = Array.from({ length: 1_000_000 }, (_, i) => String(2_000_000_000 + i * 7919));
const t0 = performance.now();
let v = 0;
for (const x of nsns) if (classifyNational('US', x).valid) v++;
console.log(
  `classifyNational US: ${(nsns.length / ((performance.now() - t0) / 1000) / 1e6).toFixed(2)} M/s (${v} valid)`,
);
