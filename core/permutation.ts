/**
 * Keyed pseudo-random permutation of [0, n) for any integer n in [1, 2^53], in O(1) memory.
 *
 * A balanced Feistel network over the smallest even bit-width domain 2^(2h) ≥ n (h ≤ 27, so
 * both halves and the recombined value stay exact doubles), made to stay inside [0, n) by cycle
 * walking (re-encrypt until the value falls below n; the domain is < 4n, so < 4 rounds expected).
 * A Feistel network is a bijection whatever its round function, hence so is the walk.
 * Not cryptographic: it spreads numbers, it does not hide the seed.
 */

const ROUNDS = 6;

/** 32-bit FNV-1a then murmur3 finaliser, over the UTF-16 code units of `s` and a salt. */
export function hash32(s: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Permutation {
  readonly n: number;
  /** The image of x ∈ [0, n); a bijection on [0, n). @throws RangeError outside. */
  at(x: number): number;
}

/**
 * Creates the permutation of [0, n) keyed by `seed` (same seed and n → same order).
 * @throws RangeError unless n is an integer in [1, 2^53].
 */
export function createPermutation(n: number, seed: string): Permutation {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 53)
    throw new RangeError(`permutation size must be an integer in [1, 2^53], got ${n}`);
  let bits = 2;
  while (2 ** bits < n) bits += 2;
  const h = bits / 2;
  const half = 2 ** h;
  const mask = half - 1; // h ≤ 27 → fits in 32-bit ops
  const keys = new Int32Array(ROUNDS);
  for (let r = 0; r < ROUNDS; r++) keys[r] = hash32(seed, 0x9e3779b9 * (r + 1));
  const round = (x: number, k: number): number => {
    // two mixing rounds of (x, key); output masked to h bits
    let v = Math.imul(x ^ k, 0x9e3779b1) ^ (x >>> 15);
    v = fmix(v ^ k);
    return v & mask;
  };
  const encrypt = (x: number): number => {
    let L = Math.floor(x / half);
    let R = x - L * half;
    for (let r = 0; r < ROUNDS; r++) {
      const nl = R;
      R = (L ^ round(R, keys[r]!)) & mask;
      L = nl;
    }
    return L * half + R;
  };
  return {
    n,
    at(x: number): number {
      if (!(x >= 0 && x < n) || !Number.isInteger(x)) throw new RangeError(`permutation index ${x} outside [0, ${n})`);
      if (n === 1) return 0;
      let y = encrypt(x);
      while (y >= n) y = encrypt(y);
      return y;
    },
  };
}
