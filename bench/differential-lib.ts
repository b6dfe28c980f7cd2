/**
 * Shared differential harness: classifyNational vs libphonenumber-js/max on one NSN.
 * Oracle: parsePhoneNumberFromString('+' + cc + nsn) → valid ⇔ parsed && isValid() &&
 * country === region && nationalNumber === nsn (round trip); type = getType() when valid.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { compileRegion } from '../core/fastpath.ts';
import { getRegionPlan } from '../core/metadata.ts';
import { NumberSpace, regionAutomaton } from '../core/number-space.ts';
import type { Region } from '../core/types.ts';

export interface Mismatch {
  region: Region;
  nsn: string;
  fast: string;
  lib: string;
}

export function oracle(region: Region, cc: string, nsn: string): string {
  const p = parsePhoneNumberFromString('+' + cc + nsn);
  if (!p || p.nationalNumber !== nsn || p.country !== region || !p.isValid()) return 'invalid';
  return 'valid:' + (p.getType() ?? null);
}

/** Deterministic xorshift32 so failures reproduce. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/**
 * Compares `n` inputs for `region`: random digit strings of every plausible length (1..max+1),
 * random valid numbers from the automaton, and those numbers with a trunk-prefix-like digit
 * sequence prepended or a digit changed (to hit the national-prefix and attribution rules).
 */
export function compareRegion(region: Region, n: number, seed: number, out: Mismatch[]): number {
  const plan = getRegionPlan(region);
  const cc = plan.callingCode;
  const cls = compileRegion(region);
  const r = rng(seed);
  const maxLen = Math.min(17, Math.max(...plan.possibleLengths) + 1);
  let space: NumberSpace | null;
  try {
    space = new NumberSpace(region, regionAutomaton(region, null));
    if (space.count === 0) space = null;
  } catch {
    space = null;
  }
  const prefixes = ['0', '8', '1', '00', '80', '90', '15', '9'];
  const digits = (len: number): string => {
    let s = '';
    for (let i = 0; i < len; i++) s += (r() * 10) | 0;
    return s;
  };
  let done = 0;
  for (let i = 0; i < n; i++) {
    let nsn: string;
    const k = i % 4;
    if (k === 0 || space === null) nsn = digits(1 + ((r() * maxLen) | 0));
    else {
      const v = space.unrank(Math.floor(r() * space.count));
      if (k === 1) nsn = v;
      else if (k === 2) nsn = (prefixes[(r() * prefixes.length) | 0] + v).slice(0, 17);
      else {
        const p = (r() * v.length) | 0;
        nsn = v.slice(0, p) + ((r() * 10) | 0) + v.slice(p + 1);
      }
    }
    const f = cls.classify(nsn);
    const fast = f.valid ? 'valid:' + f.type : 'invalid';
    const lib = oracle(region, cc, nsn);
    if (fast !== lib) out.push({ region, nsn, fast, lib });
    done++;
  }
  return done;
}
