/**
 * libphonenumber-js's verdicts on a parsed PhoneNumber, from patterns compiled once per
 * numbering plan. Pure. libphonenumber-js builds a fresh RegExp from the metadata on every
 * match (helpers/matchesEntirely.js), which is where most of its time goes; these give the same
 * results (checked by the differential and shared-case tests against the library's methods):
 *  - {@link verdictOf}: `isValid()` with `getType()` (isValid.js, helpers/getNumberType.js,
 *    through core/number-type.ts);
 *  - {@link formatNationalOf}: `formatNational()` (format.js, NATIONAL, default options);
 *  - {@link lengthOf}: `validatePhoneNumberLength` / `isPossible()` (helpers/checkNumberLength.js).
 * Plans come from core/metadata.ts, keyed as parse() selects them: the number's region, else its
 * calling code (non-geographic entities, region `001`).
 */
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { getNumberingPlan } from './metadata.ts';
import { anchored, testRegExp, typeRules, validType, type TypeRules } from './number-type.ts';
import type { NumberType } from './types.ts';

interface FormatMatcher {
  leading: RegExp | null;
  whole: RegExp;
  re: RegExp;
  replacement: string;
}

/** One numbering plan, compiled. */
interface CompiledPlan {
  rules: TypeRules<RegExp>;
  formats: FormatMatcher[];
  ext: string;
  nationalPrefix: string | null;
  /** Possible national number lengths, ascending. */
  lengths: readonly number[];
}

const FIRST_GROUP = /(\$\d)/;
const compiled = new Map<string, CompiledPlan>();

function compile(key: string): CompiledPlan {
  const plan = getNumberingPlan(key);
  return {
    rules: typeRules(plan, anchored),
    formats: plan.formats.map((f) => {
      const lead = f.leadingDigitsPatterns;
      const rule = f.nationalPrefixFormattingRule;
      return {
        // format.js tests `search(leading) === 0`: the same as a match anchored at 0, which
        // fails without scanning the rest of the number.
        leading: lead.length > 0 ? new RegExp('^(?:' + lead[lead.length - 1]! + ')') : null,
        whole: anchored(f.pattern),
        re: new RegExp(f.pattern),
        replacement: rule ? f.format.replace(FIRST_GROUP, rule) : f.format,
      };
    }),
    ext: plan.ext,
    nationalPrefix: plan.nationalPrefix,
    lengths: plan.possibleLengths,
  };
}

/** The plan parse() selected for `pn`: its region, else its calling code. */
function planOf(pn: PhoneNumber): CompiledPlan {
  const key = pn.country && pn.country !== ('001' as CountryCode) ? pn.country : pn.countryCallingCode;
  let p = compiled.get(key);
  if (p === undefined) {
    p = compile(key);
    compiled.set(key, p);
  }
  return p;
}

/**
 * `pn.isValid()` with `pn.getType()`: the type when valid, null when valid without a type (a
 * plan without type data), undefined when not valid.
 */
export function verdictOf(pn: PhoneNumber): NumberType | null | undefined {
  const nn = pn.nationalNumber as string;
  return validType(planOf(pn).rules, nn, nn.length, testRegExp);
}

/**
 * `pn.formatNational()`: the first format whose last leading-digits pattern matches at 0 and
 * whose pattern matches the whole national number; national prefix formatting rule applied;
 * extension appended with the plan's extension prefix.
 */
export function formatNationalOf(pn: PhoneNumber): string {
  const nn = pn.nationalNumber as string;
  if (!nn) return '';
  const plan = planOf(pn);
  let out = nn;
  for (const f of plan.formats) {
    if (f.leading !== null && !f.leading.test(nn)) continue;
    if (!f.whole.test(nn)) continue;
    out = nn.replace(f.re, f.replacement);
    break;
  }
  return pn.ext ? out + plan.ext + pn.ext : out;
}

/** Length verdict: 'IS_POSSIBLE' or why not. */
export type LengthVerdict = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/**
 * libphonenumber's checkNumberLength on the number's plan: what `validatePhoneNumberLength`
 * returns for this number ('IS_POSSIBLE' where it returns undefined) and what `isPossible()`
 * tests, computed from the parsed number without re-parsing.
 */
export function lengthOf(pn: PhoneNumber): LengthVerdict {
  const lengths = planOf(pn).lengths;
  if (lengths.length === 0) return 'IS_POSSIBLE';
  const len = (pn.nationalNumber as string).length;
  const min = lengths[0]!;
  if (min === len) return 'IS_POSSIBLE';
  if (min > len) return 'TOO_SHORT';
  if (lengths[lengths.length - 1]! < len) return 'TOO_LONG';
  return lengths.indexOf(len, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

/** The national (trunk) prefix of the plan of `pn`, e.g. "0"; null when it has none. */
export function nationalPrefixOf(pn: PhoneNumber): string | null {
  return planOf(pn).nationalPrefix;
}
