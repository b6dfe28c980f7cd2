import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createPermutation } from '../../core/permutation.ts';

test('bijection on every n up to 300 (exhaustive)', () => {
  for (let n = 1; n <= 300; n++) {
    const p = createPermutation(n, 'seed-' + n);
    const seen = new Uint8Array(n);
    for (let x = 0; x < n; x++) {
      const y = p.at(x);
      assert.ok(Number.isInteger(y) && y >= 0 && y < n, `n=${n} x=${x} y=${y}`);
      assert.equal(seen[y], 0, `n=${n}: ${y} hit twice`);
      seen[y] = 1;
    }
  }
});

test('property: bijection for random n and seed', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.string({ minLength: 1 }), (n, seed) => {
      const p = createPermutation(n, seed);
      const seen = new Set<number>();
      for (let x = 0; x < n; x++) seen.add(p.at(x));
      return seen.size === n && [...seen].every((y) => y >= 0 && y < n);
    }),
    { numRuns: 60 },
  );
});

test('property: deterministic for the same seed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 53 }),
      fc.string({ minLength: 1 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
      (n, seed, xs) => {
        const a = createPermutation(n, seed),
          b = createPermutation(n, seed);
        return xs.every((f) => {
          const x = Math.min(n - 1, Math.floor(f * n));
          return a.at(x) === b.at(x) && a.at(x) < n;
        });
      },
    ),
  );
});

test('different seeds give different orders; large n stays in range and injective on a sample', () => {
  const n = 1_000_000;
  const a = createPermutation(n, 'alpha'),
    b = createPermutation(n, 'beta');
  let same = 0;
  for (let x = 0; x < 1000; x++) if (a.at(x) === b.at(x)) same++;
  assert.ok(same < 10, `${same} fixed agreements`);
  const big = createPermutation(2 ** 53, 'x');
  const seen = new Set<number>();
  for (let x = 0; x < 20000; x++) {
    const y = big.at(2 ** 53 - 1 - x);
    assert.ok(y >= 0 && y < 2 ** 53 && Number.isInteger(y));
    seen.add(y);
  }
  assert.equal(seen.size, 20000);
  assert.throws(() => a.at(n), RangeError);
  assert.throws(() => createPermutation(0, 's'), RangeError);
});
