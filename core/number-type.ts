/**
 * The number-type decision of libphonenumber-js, written once: `getNumberType`
 * (helpers/getNumberType.js) and the validity rule of `isValid` (isValid.js). Pure.
 *
 * It is generic over how a pattern is tested, so the three callers share it: the validator and
 * the fast path test compiled RegExps against a national number (core/plan-mirror.ts,
 * core/fastpath.ts); the generator's automaton tests DFA components against automaton states
 * (core/number-space.ts). `M` is a compiled pattern, `S` what it is tested against.
 */
import { MAX_LENGTH_FOR_NSN, NON_FIXED_LINE_TYPES, type NumberingPlan } from './metadata.ts';
import type { NumberType } from './types.ts';

/** One type's compiled pattern and the national-number lengths it applies to. */
export interface TypeRule<M> {
  type: NumberType;
  m: M;
  /** lengths[n] === 1 when the type allows n digits (Type.possibleLengths). */
  lengths: Uint8Array;
}

/** A plan's patterns, compiled, in the order getNumberType consults them. */
export interface TypeRules<M> {
  national: M;
  hasTypes: boolean;
  fixed: TypeRule<M> | null;
  /** A FIXED_LINE match is FIXED_LINE_OR_MOBILE without testing MOBILE (no MOBILE type, or pattern ''). */
  fixedImpliesMobile: boolean;
  mobile: TypeRule<M> | null;
  /** The other types, in NON_FIXED_LINE_PHONE_TYPES order. */
  others: TypeRule<M>[];
}

/** Compiles a plan's patterns with `compile` (e.g. to an anchored RegExp, or to a DFA component). */
export function typeRules<M>(plan: NumberingPlan, compile: (src: string) => M): TypeRules<M> {
  const rule = (t: NumberType): TypeRule<M> | null => {
    const d = plan.types[t];
    // isNumberTypeEqualTo: a missing type, or an empty pattern (deduplicated into FIXED_LINE), never matches.
    if (!d || !d.pattern) return null;
    const lengths = new Uint8Array(MAX_LENGTH_FOR_NSN + 2);
    for (const l of d.possibleLengths) if (l >= 0 && l < lengths.length) lengths[l] = 1;
    return { type: t, m: compile(d.pattern), lengths };
  };
  const mobile = plan.types.MOBILE;
  return {
    national: compile(plan.nationalNumberPattern),
    hasTypes: plan.hasTypes,
    fixed: rule('FIXED_LINE'),
    fixedImpliesMobile: !mobile || mobile.pattern === '',
    mobile: rule('MOBILE'),
    others: NON_FIXED_LINE_TYPES.map(rule).filter((x): x is TypeRule<M> => x !== null),
  };
}

/**
 * `getNumberType` for a national number of `length` digits that `test` checks patterns against:
 * undefined unless it matches the national pattern and one type; FIXED_LINE_OR_MOBILE when a
 * FIXED_LINE match is also (or cannot be told from) MOBILE, as in NANP.
 */
export function numberType<M, S>(
  r: TypeRules<M>,
  subject: S,
  length: number,
  test: (m: M, subject: S) => boolean,
): NumberType | undefined {
  if (!test(r.national, subject)) return undefined;
  const f = r.fixed;
  if (f !== null && f.lengths[length] === 1 && test(f.m, subject)) {
    if (r.fixedImpliesMobile) return 'FIXED_LINE_OR_MOBILE';
    const mo = r.mobile;
    if (mo !== null && mo.lengths[length] === 1 && test(mo.m, subject)) return 'FIXED_LINE_OR_MOBILE';
    return 'FIXED_LINE';
  }
  const o = r.others;
  for (let i = 0; i < o.length; i++) {
    const t = o[i]!;
    if (t.lengths[length] === 1 && test(t.m, subject)) return t.type;
  }
  return undefined;
}

/**
 * The verdict of `isValid` with its type: the type when valid, null when valid by the national
 * pattern alone (a plan without type data), undefined when not valid.
 */
export function validType<M, S>(
  r: TypeRules<M>,
  subject: S,
  length: number,
  test: (m: M, subject: S) => boolean,
): NumberType | null | undefined {
  if (!r.hasTypes) return test(r.national, subject) ? null : undefined;
  return numberType(r, subject, length, test);
}

/** An anchored RegExp of a metadata pattern (helpers/matchesEntirely.js), for {@link typeRules}. */
export function anchored(src: string): RegExp {
  return new RegExp('^(?:' + src + ')$');
}

/** {@link numberType}'s `test` for RegExp rules over a national number string. */
export function testRegExp(re: RegExp, nsn: string): boolean {
  return re.test(nsn);
}
