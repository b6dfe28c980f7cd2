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

/**
 * A classifier with its two halves kept apart for {@link attributed}: `ownTypeOf` is typeOf
 * without the earlier regions' claims, `claims` is getCountryByNationalNumber.js's test of this
 * region alone.
 */
interface CompiledRegion extends RegionClassifier {
  ownTypeOf(nsn: string): NumberType | null | undefined;
  claims(nsn: string): boolean;
}

const classifierCache = new Map<string, CompiledRegion>();

const claimersByCode = new Map<string, Array<{ region: Region; c: Claimer }>>();

/**
 * helpers/getCountryByCallingCode.js: the region parse() attributes national significant number
 * `nsn` of `callingCode` to. The one region of an unshared code; for a shared one the first
 * region in metadata order that claims it (getCountryByNationalNumber.js: on a `leadingDigits`
 * prefix match, or, without leading digits, when getNumberType is defined); undefined when none
 * claims it (parse() then keeps the default region, if any) or the code is unknown.
 */
function countryByCallingCode(callingCode: string, nsn: string): Region | undefined {
  const rs = regionsForCallingCode(callingCode);
  if (rs === undefined) return undefined;
  if (rs.length === 1) return rs[0];
  let claimers = claimersByCode.get(callingCode);
  if (claimers === undefined) {
    claimers = rs.map((r) => {
      const p = getRegionPlan(r);
      return {
        region: r,
        c: {
          leadingDigits: p.leadingDigits ? new RegExp('^(?:' + p.leadingDigits + ')') : null,
          types: typeRules(p, anchored),
        },
      };
    });
    claimersByCode.set(callingCode, claimers);
  }
  for (const { region: r, c } of claimers) {
    if (
      c.leadingDigits !== null
        ? c.leadingDigits.test(nsn)
        : numberType(c.types, nsn, nsn.length, testRegExp) !== undefined
    )
      return r;
  }
  return undefined;
}

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
  return compiled(region);
}

function compiled(region: Region): CompiledRegion {
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
  const countryOf = (nn: string): Region | undefined => countryByCallingCode(cc, nn);
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

  const ownLength = (nsn: string): boolean =>
    nsn.length >= MIN_LENGTH_FOR_NSN && nsn.length <= MAX_LENGTH_FOR_NSN && DIGITS.test(nsn);
  // typeOf less the earlier regions' claims; the length check is the caller's.
  const ownChecked = (nsn: string): NumberType | null | undefined => {
    if (stripRe !== null) {
      const m = stripRe.exec(nsn);
      if (m !== null && strips(nsn, m)) return undefined;
    }
    if (ownLeading !== null) {
      // Claimed on leading digits alone; validity is then checked separately by isValid().
      if (!ownLeading.test(nsn)) return undefined;
    }
    return validType(own, nsn, nsn.length, testRegExp);
  };
  const selfLeading = plan.leadingDigits ? new RegExp('^(?:' + plan.leadingDigits + ')') : null;

  const typeOf = (nsn: string): NumberType | null | undefined => {
    if (!ownLength(nsn)) return undefined;
    for (let i = 0; i < earlier.length; i++) {
      const c = earlier[i]!;
      if (
        c.leadingDigits !== null
          ? c.leadingDigits.test(nsn)
          : numberType(c.types, nsn, nsn.length, testRegExp) !== undefined
      )
        return undefined;
    }
    return ownChecked(nsn);
  };

  const classifier: CompiledRegion = {
    region,
    callingCode: cc,
    typeOf,
    ownTypeOf: (nsn) => (ownLength(nsn) ? ownChecked(nsn) : undefined),
    claims: (nsn) =>
      selfLeading !== null ? selfLeading.test(nsn) : numberType(own, nsn, nsn.length, testRegExp) !== undefined,
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
  | {
      kind: 'invalid';
      /**
       * What parse() returns instead of throwing, when the readers know it: the region it sets
       * on the PhoneNumber and the national significant number it keeps (the caller builds
       * that PhoneNumber and reports the invalid reading without parsing). Absent when parse()
       * may throw, capture a carrier code, or leave the region unset.
       */
      parsedAs?: { region: Region; nsn: string };
    };

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
    if ((regions[0] as string) === '001') return { kind: 'non-geographic', callingCode };
    // parse() strips a national prefix written after the calling code (`+33 (0)1 …`) with the
    // plan of the code's main region, regions[0] (metadata.js selectNumberingPlan).
    const nsn = nationalNumberOf(nationalReader(regions[0]!), digits.slice(n));
    if (nsn === null) return NOT_VALID;
    const read = attributed(callingCode, regions, nsn);
    return read.kind === 'invalid' ? parsedAs(callingCode, nsn, undefined) : read;
  }
  return NOT_VALID;
}

/**
 * The invalid reading parse() returns for `nsn` of `callingCode` (see InternationalReading):
 * parse.js keeps a PhoneNumber when the NSN is 2–17 digits long; its region is
 * getCountryByCallingCode.js's, else the default region of a national-format number
 * (parse.js parsePhoneNumber). Digits alone are always viable (isViablePhoneNumber.js); text
 * with punctuation and fewer than 3 digits is not, which is the caller's check.
 */
function parsedAs(callingCode: string, nsn: string, defaultRegion: Region | undefined): InternationalReading {
  if (nsn.length < MIN_LENGTH_FOR_NSN || nsn.length > MAX_LENGTH_FOR_NSN) return NOT_VALID;
  const region = countryByCallingCode(callingCode, nsn) ?? defaultRegion;
  return region === undefined ? NOT_VALID : { kind: 'invalid', parsedAs: { region, nsn } };
}

/**
 * National significant number `nsn` (its national prefix already handled) of `callingCode`
 * attributed and classified: the first region whose classifier accepts it.
 */
function attributed(callingCode: string, regions: readonly Region[], nsn: string): InternationalReading {
  // typeOf of region i is its own verdict unless an earlier region claims the number, so one
  // pass in metadata order decides: the first own verdict wins, the first claim ends the search.
  for (const r of regions) {
    if ((r as string) === '001') return { kind: 'non-geographic', callingCode };
    const c = compiled(r);
    const type = c.ownTypeOf(nsn);
    if (type !== undefined) return { kind: 'valid', region: r, callingCode, nsn, type };
    if (c.claims(nsn)) return NOT_VALID;
  }
  return NOT_VALID;
}

/** A region's national-format reader: see {@link readNational}. */
interface NationalReader {
  callingCode: string;
  idd: RegExp | null;
  strip: RegExp | null;
  transform: string | null;
  national: RegExp;
  lengths: readonly number[];
}

const nationalReaders = new Map<Region, NationalReader>();

function nationalReader(region: Region): NationalReader {
  let r = nationalReaders.get(region);
  if (r === undefined) {
    const plan = getRegionPlan(region);
    r = {
      callingCode: plan.callingCode,
      idd: plan.iddPrefix ? new RegExp('^(?:' + plan.iddPrefix + ')') : null,
      strip: plan.ownPrefixForParsing ? new RegExp('^(?:' + plan.ownPrefixForParsing + ')') : null,
      transform: plan.ownPrefixTransformRule,
      national: anchored(plan.nationalNumberPattern),
      lengths: plan.possibleLengths,
    };
    nationalReaders.set(region, r);
  }
  return r;
}

/**
 * helpers/extractNationalNumber.js on national-format `digits` with `region`'s own plan
 * selected: the national significant number parse() keeps, or null when stripping the national
 * prefix would capture a carrier code (the caller parses: the PhoneNumber carries it).
 */
function nationalNumberOf(r: NationalReader, digits: string): string | null {
  if (r.strip === null) return digits;
  const m = r.strip.exec(digits);
  if (m === null) return digits;
  // extractNationalNumberFromPossiblyIncompleteNumber.js
  const groups = m.length - 1;
  const hasGroups = groups > 0 && !!m[groups];
  if (hasGroups && (r.transform === null || groups > 1)) return null; // a carrier code
  const after = r.transform !== null && hasGroups ? digits.replace(r.strip, r.transform) : digits.slice(m[0].length);
  if (after === digits) return digits;
  // shouldHaveExtractedNationalPrefix (like the decline in readNational, implied by validity
  // in every input the fastpath test reaches; kept so the mirror stays whole)
  if (r.national.test(digits) && !r.national.test(after)) return digits;
  // isPossibleIncompleteNationalNumber: checkNumberLength with the claiming region's plan, else
  // the selected (default region's) plan
  const country = countryByCallingCode(r.callingCode, after);
  const L = country !== undefined ? getRegionPlan(country).possibleLengths : r.lengths;
  if (L.length === 0) return after;
  const n = after.length;
  if (n < L[0]!) return digits; // TOO_SHORT
  if (n > L[L.length - 1]!) return after; // TOO_LONG still counts as possible here
  return L.includes(n) ? after : digits; // INVALID_LENGTH
}

/**
 * `digits` (ASCII, no `+`) written in national format with default region `region`, read as
 * libphonenumber-js/max's parse(text, region) reads them, when the classifiers can prove the
 * reading valid: `valid` with the region and national significant number parse() reports.
 * Otherwise `invalid`, meaning "not proven valid here": the caller parses. Mirrors, from
 * helpers/extractCountryCallingCode.js and parse.js:
 *  - a leading IDD of `region` (stripIddPrefix.js, not followed by `0`) makes the rest an
 *    international number: {@link readInternational};
 *  - digits starting with `region`'s calling code may be read as international without `+`
 *    (extractCountryCallingCodeFromInternationalNumberWithoutPlusSign.js): not decided here;
 *  - else the national prefix is stripped as extractNationalNumber.js does with the region's
 *    plan, and the number is attributed as for `+cc` (getCountryByCallingCode.js). A number
 *    no region of the code claims, or one parse('+cc' + nsn) would strip again, is left to the
 *    parse (the classifiers decline it), so `valid` is never wrong, only sometimes absent.
 * Proven against the parse by test/unit/fastpath.test.ts.
 * @throws Error for a region without metadata.
 */
export function readNational(region: Region, digits: string): InternationalReading {
  const r = nationalReader(region);
  if (r.idd !== null) {
    const m = r.idd.exec(digits);
    if (m !== null && m[0].length > 0) {
      const rest = digits.slice(m[0].length);
      return rest[0] === '0' || rest.length === 0 ? NOT_VALID : readInternational(rest);
    }
  }
  // Kept to mirror parse(): the valid readings below already imply the region's national
  // pattern, so the fastpath test reaches no input where this decline changes the answer.
  if (digits.startsWith(r.callingCode)) return NOT_VALID;
  const nsn = nationalNumberOf(r, digits);
  if (nsn === null) return NOT_VALID;
  // parse() strips once: attribute the number as it is, without a second strip.
  const read = attributed(r.callingCode, regionsForCallingCode(r.callingCode)!, nsn);
  return read.kind === 'valid' ? read : parsedAs(r.callingCode, nsn, region);
}
