/**
 * Repairs of one number's text after libphonenumber's plain reading (core/check-text.ts): what
 * the field proves is applied, what it only suggests is warned about. Codes: core/codes.ts.
 * Pure, no I/O.
 *
 * Every repair here runs only when the plain reading is not valid, so a number libphonenumber
 * reads as valid is never turned into another one; the exceptions read the same number
 * (carrier code) or only add a warning (possible_missing_plus). In order:
 *  1. `(0)` after leading digits proves they are a calling code (`33 (0)1 42 68 53 00`): plus_added.
 *  2. A short code or emergency number of the default region: SHORT_NUMBER (core/short-numbers.ts).
 *  3. An IDD of another region (`00` dialled in CA, `011` in GB) before a valid number: idd_assumed.
 *  4. Digits valid once read as international, grouped as calling code + number: plus_added.
 *  5. A leading zero a numeric spreadsheet column dropped (`repairs: all` or numericSource):
 *     leading_zero_restored; else a warning.
 *  6. A subscriber number without area code: area_code_added with `defaultAreaCode`, else LOCAL_NUMBER.
 *  7. An old-format number of a renumbered plan (core/renumbering.ts): renumbered under `all`
 *     when the rule is fixed, else a warning.
 */
import type { Checked } from './check-text.ts';
import { checkText, failed } from './check-text.ts';
import { compileRegion, readInternational } from './fastpath.ts';
import { getRegionPlan, regionsForCallingCode } from './metadata.ts';
import { renumberingOf } from './renumbering.ts';
import { regexDfa, type Dfa } from './digit-dfa.ts';
import { shortNumberOf } from './short-numbers.ts';
import type { RepairCode } from './codes.ts';
import { warned } from './field-repairs.ts';
import type { Region, RepairMode } from './types.ts';

/** What the repairs of one field may do. */
export interface RepairCtx {
  mode: RepairMode;
  region: Region | undefined;
  /** Digits, validated by the caller's schema (ValidateOptions.defaultAreaCode). */
  defaultAreaCode: string | null;
  numericSource: boolean;
}

/**
 * Digits of a letter-free number written with only spaces, dots, dashes and parentheses. Not
 * `/`: it separates numbers as often as it groups one, and a repair must not glue two together.
 */
const DIGITS_ONLY = /^[\d\s().-]+$/;
const PLUS_WRITTEN = /^\s*\(?\s*\+/;
/** `33 (0)1 …`: one to three digits, then a trunk zero in parentheses. */
const CC_THEN_TRUNK = /^\s*\(?\s*(\d{1,3})\s*\)?\s*\(\s*0\s*\)/;

/**
 * International (IDD) prefixes written in front of numbers, longest first: the literal default
 * IDDs of libphonenumber's metadata used by more than one plan or by large ones (`00` in 185
 * regions, `011` in NANP, `0011` AU, `810` RU/KZ/BY, `010` JP, `001` MN/GY).
 */
const FOREIGN_IDDS = ['0011', '011', '810', '010', '001', '00'] as const;

/**
 * The one foreign IDD `digits` (of `text`) start with that leaves a valid international number,
 * or null. The IDD must end inside the first written group (`00 1 604…` is `00` then `1 604…`,
 * never `001` then `604…`), and when two IDDs both leave a valid number (`001 649…`: +1 649 or
 * +64 9…) the reading is ambiguous and nothing is assumed.
 */
function foreignIdd(text: string, digits: string): string | null {
  const first = FIRST_GROUP.exec(text)?.[1] ?? '';
  let found: string | null = null;
  for (const idd of FOREIGN_IDDS) {
    if (!digits.startsWith(idd) || idd.length > first.length) continue;
    if (internationalCode(digits.slice(idd.length)) === null) continue;
    if (found !== null) return null;
    found = idd;
  }
  return found;
}

/**
 * The calling code of `digits` read as `+digits` when that is a valid number (fast path, no
 * parse), else null.
 */
function internationalCode(digits: string): string | null {
  if (digits.length < 4 || digits[0] === '0') return null;
  const read = readInternational(digits);
  if (read.kind === 'valid') return read.callingCode;
  // A non-geographic plan (+800, +979…) has no classifier: ask the parse.
  return read.kind === 'non-geographic' && checkText('+' + digits, '', undefined).valid ? read.callingCode : null;
}

/** Fewest digits read as an international number written without `+` (cc plus a full NSN). */
const MIN_MISSING_PLUS_DIGITS = 9;

/**
 * Could `text` (digits `digits`) be an international number whose `+` is missing? It has at
 * least MIN_MISSING_PLUS_DIGITS digits, reads as a valid `+digits`, and, when written in
 * groups, its first group is that calling code, unbracketed (`33 1 42 68 53 00`; not
 * `321 1234567`, not `(670) 234-5678`).
 * Returns the calling code, or null.
 */
function missingPlus(text: string, digits: string): string | null {
  if (digits.length < MIN_MISSING_PLUS_DIGITS) return null;
  // A first group in parentheses is an area code (`(670) 234-5678` in MP), not a calling code.
  const first = FIRST_GROUP.exec(text)?.[1] ?? '';
  if (first !== digits && (first.length > 3 || regionsForCallingCode(first) === undefined)) return null;
  const cc = internationalCode(digits);
  return cc !== null && (first === digits || first === cc) ? cc : null;
}

const FIRST_GROUP = /^\s*(\d+)/;

function withRepair(c: Checked, code: RepairCode, before: Checked): Checked {
  c.result.repairs = [...before.result.repairs, code];
  c.result.warnings = [...before.result.warnings];
  if (before.result.carrierCode !== null && c.result.carrierCode === null)
    c.result.carrierCode = before.result.carrierCode;
  return c;
}

/** Re-reads `text` as written into `alt`; keeps it when valid. */
function reread(text: string, input: string, region: Region | undefined): Checked | null {
  const alt = checkText(text, input, region);
  return alt.valid ? alt : null;
}

/**
 * Lengths of a subscriber number read as local (area code left out): the usual 6–8 digits of
 * fixed lines in area-code plans. Shorter digit groups stay libphonenumber's TOO_SHORT (a
 * suite, a room, a stray extension).
 */
const MIN_LOCAL_DIGITS = 6;
const MAX_LOCAL_DIGITS = 8;

/**
 * Is `digits` a local number of `region`: does its plan require an area code on every fixed line
 * and write national numbers with a trunk prefix (its formats' national prefix formatting rule
 * starts with it: DE `0$1`, RU `8 ($1)`; not US, with no trunk prefix in national format, nor IT),
 * and does some area code in front make it a fixed line of the plan?
 */
function localShape(region: Region, digits: string): boolean {
  const plan = getRegionPlan(region);
  const np = plan.nationalPrefix;
  if (np === null || digits.startsWith(np)) return false;
  if (!plan.formats.some((f) => f.nationalPrefixFormattingRule?.startsWith(np))) return false;
  const fixed = plan.types.FIXED_LINE?.possibleLengths ?? plan.possibleLengths;
  const maxFixed = fixed.length ? fixed[fixed.length - 1]! : 0;
  if (digits.length < MIN_LOCAL_DIGITS || digits.length > Math.min(maxFixed - 2, MAX_LOCAL_DIGITS)) return false;
  return someAreaCodeFits(region, digits);
}

/** Longest area code (national destination code) tried in front of a local number. */
const MAX_AREA_CODE_DIGITS = 5;
const areaStarts = new Map<Region, { dfa: Dfa; states: Int32Array } | null>();

/**
 * Is there an area code of 1–MAX_AREA_CODE_DIGITS digits that makes `digits` a fixed line of
 * `region` (its FIXED_LINE pattern as a DFA, core/digit-dfa.ts)? The states reachable after each
 * area-code length are computed once per region; each is then run over `digits`.
 */
function someAreaCodeFits(region: Region, digits: string): boolean {
  let entry = areaStarts.get(region);
  if (entry === undefined) {
    entry = null;
    const pattern = getRegionPlan(region).types.FIXED_LINE?.pattern;
    if (pattern) {
      try {
        const dfa = regexDfa(pattern);
        const seen = new Set<number>();
        let layer = [0];
        for (let k = 1; k <= MAX_AREA_CODE_DIGITS; k++) {
          const next = new Set<number>();
          for (const st of layer)
            for (let d = 0; d < 10; d++) {
              const t = dfa.trans[st * 10 + d]!;
              if (t !== dfa.dead && dfa.live[t]) next.add(t);
            }
          for (const t of next) seen.add(t);
          layer = [...next];
        }
        entry = { dfa, states: Int32Array.from(seen) };
      } catch {
        entry = null; // a pattern outside the DFA compiler's subset: no LOCAL_NUMBER verdict
      }
    }
    areaStarts.set(region, entry);
  }
  if (entry === null) return false;
  const { dfa, states } = entry;
  for (const start of states) {
    let st = start;
    for (let i = 0; i < digits.length && st !== dfa.dead; i++) st = dfa.trans[st * 10 + (digits.charCodeAt(i) - 48)]!;
    if (st !== dfa.dead && dfa.accept[st]) return true;
  }
  return false;
}

/**
 * Applies the repairs `rc.mode` allows to `c`, the plain reading of letter-free `text` (the
 * normalised text of one number, `input` as written). Returns `c` itself when nothing applies.
 * Never throws.
 */
export function repair(c: Checked, text: string, rc: RepairCtx): Checked {
  if (rc.mode === 'none') return c;
  const input = c.result.input;
  const pn = c.pn;
  if (pn?.carrierCode) {
    // libphonenumber strips Brazil's and Colombia's carrier selection codes itself (its
    // national_prefix_for_parsing captures them); say so and report the code.
    c = {
      ...c,
      result: { ...c.result, carrierCode: pn.carrierCode, repairs: [...c.result.repairs, 'carrier_code_removed'] },
    };
  }
  const region = rc.region;
  const plus = PLUS_WRITTEN.test(text);
  if (plus && c.valid) return c; // written international and valid: nothing to doubt
  const digits = DIGITS_ONLY.test(text) ? text.replace(/\D/g, '') : null;
  if (!plus && digits !== null) {
    // `(0)` after leading digits proves they are a calling code, even when the digits also
    // read as a (long) national number (`44 (0)20 7946 0321` in DE).
    const proven = CC_THEN_TRUNK.exec(text);
    if (proven !== null && regionsForCallingCode(proven[1]!) !== undefined) {
      const alt = reread('+' + text.trim().replace(/^\(\s*/, ''), input, region);
      if (alt !== null) return withRepair(alt, 'plus_added', c);
    }
  }
  if (c.valid) {
    if (!plus && digits !== null && rc.region !== undefined && missingPlus(text, digits) !== null) {
      const other = checkText('+' + digits, input, undefined);
      if (other.valid && other.result.e164 !== c.result.e164) {
        return warned(
          c,
          'possible_missing_plus',
          `also valid read as international: ${other.result.e164} (${other.result.region ?? '?'})`,
        );
      }
    }
    return c;
  }
  if (!plus && digits !== null) {
    if (region !== undefined) {
      const short = shortNumberOf(digits, region);
      if (short !== null) {
        const row = failed(
          input,
          'SHORT_NUMBER',
          `a short number of ${region}${short.emergency ? ' (emergency services)' : ''}, not a subscriber number: no E.164`,
          digits.length,
        );
        row.result.emergency = short.emergency;
        row.result.national = c.result.national; // what was seen, as for any invalid row
        return row;
      }
    }
    // IDD and missing-plus readings need a default region: without one a national reading is
    // impossible anyway, and `00…` without a region stays INVALID_COUNTRY (shared case P5b).
    if (region !== undefined && (digits[0] === '0' || digits[0] === '8')) {
      const idd = foreignIdd(text, digits);
      if (idd !== null) {
        const alt = reread('+' + digits.slice(idd.length), input, region);
        if (alt !== null) return withRepair(alt, 'idd_assumed', c);
      }
    }
    if (region !== undefined && missingPlus(text, digits) !== null) {
      const alt = reread('+' + digits, input, region);
      // Grouped as calling code + number, the field shows it; one unbroken run of digits may as
      // well be a national number with a typo (`6707021255` in CM is not Timor-Leste), so it is
      // read so only where a spreadsheet is known to drop the `+` (all, numericSource).
      const grouped = !/^\d+$/.test(text.trim());
      if (alt !== null && (grouped || rc.mode === 'all' || rc.numericSource)) return withRepair(alt, 'plus_added', c);
      if (alt !== null)
        return warned(
          c,
          'possible_missing_plus',
          `may be an international number without its "+": ${alt.result.e164} (${alt.result.region ?? '?'})`,
        );
    }
    if (region !== undefined && digits[0] !== '0') {
      const plan = getRegionPlan(region);
      const withZero = '0' + digits;
      if (compileRegion(region).typeOf(withZero) !== undefined) {
        const e164 = `+${plan.callingCode}${withZero}`;
        if (rc.mode === 'all' || rc.numericSource) {
          const alt = reread(e164, input, region);
          if (alt !== null) return withRepair(alt, 'leading_zero_restored', c);
        }
        return warned(c, 'possible_lost_leading_zero', `valid with a leading zero a spreadsheet drops: ${e164}`);
      }
      if (localShape(region, digits)) {
        const area = rc.defaultAreaCode;
        if (area !== null && compileRegion(region).typeOf(area + digits) !== undefined) {
          const alt = reread(`+${plan.callingCode}${area}${digits}`, input, region);
          if (alt !== null) return withRepair(alt, 'area_code_added', c);
        }
        return failed(
          input,
          'LOCAL_NUMBER',
          `a subscriber number without its area code: every fixed line of ${region} has one` +
            (area === null ? " (give the spec's defaultAreaCode to add it)" : ` (not valid with ${area} either)`),
          digits.length,
        );
      }
    }
  }
  if (pn !== null) {
    const cc = pn.countryCallingCode as string;
    const rule = renumberingOf(cc, pn.nationalNumber as string);
    if (rule !== null) {
      const nsn = rule.rewrite?.(pn.nationalNumber as string) ?? null;
      const e164 = nsn === null ? null : `+${cc}${nsn}`;
      if (e164 !== null && rc.mode === 'all') {
        const alt = reread(e164, input, region);
        if (alt !== null) return withRepair(alt, 'renumbered', c);
      }
      return warned(c, 'renumbered_plan', rule.note + (e164 === null ? '' : `: now ${e164}`));
    }
  }
  return c;
}
