/**
 * Fast validator for a KNOWN region and national significant number (NSN).
 *
 * `classifyNational(region, nsn)` answers what libphonenumber-js/max answers for
 * `parsePhoneNumberFromString('+' + callingCode + nsn)`:
 *   valid ⇔ the number parses, `.isValid()`, `.country === region` and `.nationalNumber === nsn`;
 *   type  = `.getType()` when valid, else null.
 * The last condition (round trip) only matters when parse() would strip a national prefix
 * written after the calling code (e.g. a leading "8" in +7 or "0" in +44): such an input is not
 * the E.164 form of any number, so it is never reported valid (the library would report the
 * stripped number). Proven by test/unit/fastpath.test.ts and bench/differential.ts.
 *
 * Speed comes from compiling each pattern once (libphonenumber builds a RegExp per match in
 * helpers/matchesEntirely.js) and from starting at the known region instead of parsing text.
 */
import { MAX_LENGTH_FOR_NSN, MIN_LENGTH_FOR_NSN, getRegionPlan, regionsForCallingCode } from './metadata.ts';
import { anchored, numberType, testRegExp, typeRules, validType, type TypeRules } from './number-type.ts';
import type { NumberType, Region } from './types.ts';

export interface Classification {
  valid: boolean;
  /** libphonenumber `getType()` when valid (null also for valid numbers of type-less plans). */
  type: NumberType | null;
}

const INVALID: Classification = Object.freeze({ valid: false, type: null }) as Classification;

const DIGITS = /^[0-9]+$/;

/** How getCountryByNationalNumber decides whether `region` claims an NSN. */
interface Claimer {
  leadingDigits: RegExp | null;
  types: TypeRules<RegExp>;
}

/** A region's validator with every RegExp precompiled. Build with {@link compileRegion}. */
export interface RegionClassifier {
  readonly region: Region;
  readonly callingCode: string;
  /** Same contract as {@link classifyNational}. Allocation-free except on the rare slow path. */
  classify(nsn: string): Classification;
  /** The type when valid, undefined when not (no object allocated). */
  typeOf(nsn: string): NumberType | null | undefined;
}

const classifierCache = new Map<string, RegionClassifier>();

/**
 * Compiles `region`'s libphonenumber-js/max rules into a classifier. Cached per region.
 * Rules mirrored (libphonenumber-js 1.13 sources named):
 *  - parse.js: NSN length 2..17 else not a number;
 *  - helpers/extractNationalNumber.js: parse() may strip a national prefix (main region's
 *    `nationalPrefixForParsing`, with its transform rule) even after "+cc" unless the result
 *    stops matching the national pattern or has an impossible length; emulated exactly, and
 *    such an NSN is reported invalid (it does not round-trip);
 *  - helpers/getCountryByNationalNumber.js: for shared calling codes, regions are tried in
 *    metadata order; one with `leadingDigits` claims on a prefix match, one without claims
 *    when getNumberType is defined; the first claimer is `.country`;
 *  - isValid.js / helpers/getNumberType.js: core/number-type.ts, shared with the validator and
 *    the automaton.
 * @throws Error for a region without metadata.
 */
export function compileRegion(region: Region): RegionClassifier {
  const hit = classifierCache.get(region);
  if (hit) return hit;
  const plan = getRegionPlan(region);
  const own = typeRules(plan, anchored);
  const shared = plan.callingCodeRegions.length > 1;
  const idx = plan.callingCodeRegions.indexOf(region);
  const earlier: Claimer[] = shared
    ? plan.callingCodeRegions.slice(0, idx).map((r) => {
        const p = getRegionPlan(r);
        return {
          leadingDigits: p.leadingDigits ? new RegExp('^(?:' + p.leadingDigits + ')') : null,
          types: typeRules(p, anchored),
        };
      })
    : [];
  const ownLeading = shared && plan.leadingDigits ? new RegExp('^(?:' + plan.leadingDigits + ')') : null;
  const stripRe = plan.nationalPrefixForParsing ? new RegExp('^(?:' + plan.nationalPrefixForParsing + ')') : null;
  const cc = plan.callingCode;

  // helpers/extractNationalNumber.js, emulated: would parse() replace `nsn` by another national number?
  const mainPlan = getRegionPlan(plan.mainRegion);
  const mainNational = anchored(mainPlan.nationalNumberPattern);
  const transformRule = plan.nationalPrefixTransformRule;
  let groupClaimers: Array<{ region: Region; c: Claimer }> | null = null;
  const countryOf = (nn: string): Region | undefined => {
    // helpers/getCountryByCallingCode.js
    const rs = plan.callingCodeRegions;
    if (rs.length === 1) return rs[0];
    groupClaimers ??= rs.map((r) => {
      const p = getRegionPlan(r);
      return {
        region: r,
        c: {
          leadingDigits: p.leadingDigits ? new RegExp('^(?:' + p.leadingDigits + ')') : null,
          types: typeRules(p, anchored),
        },
      };
    });
    for (const { region: r, c } of groupClaimers) {
      if (
        c.leadingDigits !== null
          ? c.leadingDigits.test(nn)
          : numberType(c.types, nn, nn.length, testRegExp) !== undefined
      )
        return r;
    }
    return undefined;
  };
  const strips = (nsn: string, m: RegExpExecArray): boolean => {
    const groups = m.length - 1;
    const hasGroups = groups > 0 && !!m[groups];
    const after = transformRule && hasGroups ? nsn.replace(stripRe!, transformRule) : nsn.slice(m[0].length);
    if (after === nsn) return false;
    // shouldHaveExtractedNationalPrefix
    if (mainNational.test(nsn) && !mainNational.test(after)) return false;
    // isPossibleIncompleteNationalNumber → checkNumberLength(after, country)
    const country = countryOf(after);
    const L = getRegionPlan(country ?? plan.mainRegion).possibleLengths;
    const n = after.length;
    if (n < L[0]!) return false; // TOO_SHORT
    if (n > L[L.length - 1]!) return true; // TOO_LONG still counts as possible here
    return L.includes(n); // else INVALID_LENGTH
  };

  const typeOf = (nsn: string): NumberType | null | undefined => {
    const n = nsn.length;
    if (n < MIN_LENGTH_FOR_NSN || n > MAX_LENGTH_FOR_NSN || !DIGITS.test(nsn)) return undefined;
    if (stripRe !== null) {
      const m = stripRe.exec(nsn);
      if (m !== null && strips(nsn, m)) return undefined;
    }
    for (let i = 0; i < earlier.length; i++) {
      const c = earlier[i]!;
      if (c.leadingDigits !== null ? c.leadingDigits.test(nsn) : numberType(c.types, nsn, n, testRegExp) !== undefined)
        return undefined;
    }
    if (ownLeading !== null) {
      // Claimed on leading digits alone; validity is then checked separately by isValid().
      if (!ownLeading.test(nsn)) return undefined;
    }
    return validType(own, nsn, n, testRegExp);
  };

  const classifier: RegionClassifier = {
    region,
    callingCode: cc,
    typeOf,
    classify(nsn: string): Classification {
      const t = typeOf(nsn);
      return t === undefined ? INVALID : { valid: true, type: t };
    },
  };
  classifierCache.set(region, classifier);
  return classifier;
}

/**
 * Validates national significant number `nsn` (digits only, no trunk prefix) for `region`,
 * exactly as libphonenumber-js/max would for `'+' + callingCode(region) + nsn` (see module doc).
 * @returns `{ valid, type }`; `type` is null when not valid. Never throws for bad input digits.
 * @throws Error for a region without metadata.
 */
export function classifyNational(region: Region, nsn: string): Classification {
  return compileRegion(region).classify(nsn);
}

/** How `+digits` reads: see {@link readInternational}. */
export type InternationalReading =
  | { kind: 'valid'; region: Region; callingCode: string; nsn: string; type: NumberType | null }
  | { kind: 'non-geographic'; callingCode: string }
  | { kind: 'invalid' };

const NOT_VALID: InternationalReading = Object.freeze({ kind: 'invalid' });

/**
 * `digits` (ASCII digits, no `+`) read as `'+' + digits` by the classifiers: `valid` with the
 * region libphonenumber attributes the number to (the one region of its calling code whose
 * classifier accepts it: see compileRegion), `non-geographic` for a calling code of the
 * non-geographic plans (+800, +979…, region `001`; the caller parses those), else `invalid`.
 * Calling codes are prefix-free (ITU-T E.164), so the first 1–3 digits that name one decide.
 */
export function readInternational(digits: string): InternationalReading {
  for (let n = 1; n <= 3; n++) {
    const callingCode = digits.slice(0, n);
    const regions = regionsForCallingCode(callingCode);
    if (regions === undefined) continue;
    const nsn = digits.slice(n);
    for (const r of regions) {
      if ((r as string) === '001') return { kind: 'non-geographic', callingCode };
      const type = compileRegion(r).typeOf(nsn);
      if (type !== undefined) return { kind: 'valid', region: r, callingCode, nsn, type };
    }
    return NOT_VALID;
  }
  return NOT_VALID;
}
