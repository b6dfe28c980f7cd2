/**
 * Exact counting and unranking of the national significant numbers (NSNs) that
 * libphonenumber-js/max considers valid for a region (and optionally one number type).
 *
 * The product of the digit DFAs (core/digit-dfa.ts) of every pattern getNumberType and
 * getCountryByCallingCode consult, layered by length (an NSN has at most 17 digits, so the
 * product is a finite DAG). Each product state knows how many accepted strings start there,
 * which gives count and unrank in O(length × 10). The type decision over component states is
 * core/number-type.ts, the same one the validator and the fast path use.
 *
 * One rule is not a plain pattern match: parse() may strip a national prefix after "+cc"
 * (helpers/extractNationalNumber.js), in which case the NSN does not round-trip and
 * classifyNational says invalid. The automaton tracks a regular SUPERSET of such strings
 * ("flagged"); {@link NumberSpace} enumerates the flagged members, asks classifyNational, and
 * skips the rejected ones by rank, so the space stays exact and densely indexed.
 */
import { compileRegion } from './fastpath.ts';
import { MAX_LENGTH_FOR_NSN, MIN_LENGTH_FOR_NSN, getRegionPlan } from './metadata.ts';
import { numberType, typeRules, validType } from './number-type.ts';
import { astToDfa, parseRegex, regexDfa, type Ast, type Dfa } from './digit-dfa.ts';
import type { NumberType, Region } from './types.ts';

// ---------------------------------------------------------------- plan → product automaton

/** A layered automaton: states are (length, component states); accepted strings are NSNs. */
export interface LayeredAutomaton {
  /** next state or -1 (no accepted string below). Root is state 0. */
  readonly trans: Int32Array;
  /** 1 when the string that reaches the state is accepted. */
  readonly accept: Uint8Array;
  /** 1 when accepted AND possibly rejected by the national-prefix round-trip rule. */
  readonly flagged: Uint8Array;
  /** accepted strings at or below the state. */
  readonly cnt: Float64Array;
  /** flagged strings at or below the state. */
  readonly cntFlagged: Float64Array;
  /** accepted and not flagged: the conservative table used when flagged ones are too many to check. */
  readonly acceptClean: Uint8Array;
  readonly cntClean: Float64Array;
  readonly states: number;
}

interface Evaluator {
  comps: Dfa[];
  /** Is the string of length n with component states `st` accepted? */
  accept(n: number, st: Int32Array): boolean;
  /** Could the accepted string be rejected by the national-prefix round-trip rule? (superset) */
  flag(st: Int32Array): boolean;
  maxLen: number;
}

/** Whether component `ci` of the product accepts at component states `st`. */
type AcceptOf = (ci: number, st: Int32Array) => boolean;

function evaluatorFor(region: Region, type: NumberType | null): Evaluator {
  const plan = getRegionPlan(region);
  const comps: Dfa[] = [];
  const add = (src: string, prefix = false): number => {
    comps.push(regexDfa(src, prefix));
    return comps.length - 1;
  };
  const acceptOf: AcceptOf = (ci, st) => comps[ci]!.accept[st[ci]!] === 1;
  // isValid's verdict over component states (component 0 = the region's national pattern).
  const own = typeRules(plan, (src) => add(src));
  const ownType = (n: number, st: Int32Array) => validType(own, st, n, acceptOf);
  const shared = plan.callingCodeRegions.length > 1;
  const idx = plan.callingCodeRegions.indexOf(region);
  const earlier = shared
    ? plan.callingCodeRegions.slice(0, idx).map((r) => {
        const p = getRegionPlan(r);
        if (p.leadingDigits) {
          const c = add(p.leadingDigits, true);
          return (_n: number, st: Int32Array) => acceptOf(c, st);
        }
        // getCountryByNationalNumber claims on getNumberType (as core/fastpath.ts does).
        const rules = typeRules(p, (src) => add(src));
        return (n: number, st: Int32Array) => numberType(rules, st, n, acceptOf) !== undefined;
      })
    : [];
  const ownLd = shared && plan.leadingDigits ? add(plan.leadingDigits, true) : -1;

  // National-prefix round-trip superset (helpers/extractNationalNumber.js). parse() strips a
  // non-empty match P of the main region's nationalPrefixForParsing unless the number matched
  // the main national pattern N and the rest does not; with a transform rule and a captured
  // group it rewrites instead. Flag: (P≠ε)·N, or [R ≠ main] (P≠ε)·Σ* without N, or a
  // capture-forced P·Σ* when a transform rule exists, or a `$`-anchored alternative.
  const flags: Array<(st: Int32Array) => boolean> = [];
  if (plan.nationalPrefixForParsing) {
    const main = getRegionPlan(plan.mainRegion);
    const nAst = parseRegex(main.nationalNumberPattern);
    const ast = parseRegex(plan.nationalPrefixForParsing);
    const alts = ast.k === 'alt' ? ast.alts : [ast];
    const pre: Ast[] = [],
      whole: Ast[] = [],
      forced: Ast[] = [];
    for (const a of alts) {
      if (a.k === 'seq' && a.items[a.items.length - 1]!.k === 'end') {
        const items = a.items.slice(0, -1);
        whole.push(items.length === 1 ? items[0]! : { k: 'seq', items });
      } else {
        pre.push(a);
        if (plan.nationalPrefixTransformRule && hasCap(a)) forced.push(forceCaptures(a));
      }
    }
    const alt = (xs: Ast[]): Ast => (xs.length === 1 ? xs[0]! : { k: 'alt', alts: xs });
    const push = (d: Dfa): number => {
      comps.push(d);
      return comps.length - 1;
    };
    if (pre.length) {
      const c1 = push(astToDfa([alt(pre), nAst], false, true));
      flags.push((st) => acceptOf(c1, st));
      if (region !== plan.mainRegion) {
        const cp = push(astToDfa(alt(pre), true, true));
        const cn = push(regexDfa(main.nationalNumberPattern));
        flags.push((st) => acceptOf(cp, st) && !acceptOf(cn, st));
      }
    }
    if (forced.length) {
      const c = push(astToDfa(alt(forced), true, true));
      flags.push((st) => acceptOf(c, st));
    }
    if (whole.length) {
      const c = push(astToDfa(alt(whole), false, true));
      flags.push((st) => acceptOf(c, st));
    }
  }
  const maxLen = Math.min(MAX_LENGTH_FOR_NSN, Math.max(...plan.possibleLengths));

  const accept = (n: number, st: Int32Array): boolean => {
    if (n < MIN_LENGTH_FOR_NSN) return false;
    for (const e of earlier) if (e(n, st)) return false;
    if (ownLd >= 0 && !acceptOf(ownLd, st)) return false;
    const t = ownType(n, st);
    if (t === undefined) return false;
    return type === null || t === type;
  };
  const flag = (st: Int32Array): boolean => flags.some((f) => f(st));
  return { comps, accept, flag, maxLen };
}

function hasCap(a: Ast): boolean {
  switch (a.k) {
    case 'cap':
      return true;
    case 'seq':
      return a.items.some(hasCap);
    case 'alt':
      return a.alts.some(hasCap);
    case 'rep':
      return hasCap(a.node);
    default:
      return false;
  }
}

/** The language of `a` restricted (approximately from above) to matches where a capture group participates. */
function forceCaptures(a: Ast): Ast {
  switch (a.k) {
    case 'seq':
      return { k: 'seq', items: a.items.map(forceCaptures) };
    case 'alt':
      return a.alts.some(hasCap) ? { k: 'alt', alts: a.alts.filter(hasCap).map(forceCaptures) } : a;
    case 'rep':
      return hasCap(a.node) && a.min === 0 && a.max === 1 ? forceCaptures(a.node) : a;
    default:
      return a;
  }
}

function buildLayered(ev: Evaluator): LayeredAutomaton {
  const { comps, maxLen } = ev;
  const nc = comps.length;
  const keys = new Map<string, number>();
  const stStates: Int32Array[] = [];
  const depth: number[] = [];
  const trans: number[] = [];
  const root = new Int32Array(nc); // all components start at 0
  keys.set('0|' + root.join(','), 0);
  stStates.push(root);
  depth.push(0);
  const g = comps[0];
  for (let q = 0; q < stStates.length; q++) {
    const st = stStates[q]!,
      d = depth[q]!;
    for (let dig = 0; dig < 10; dig++) {
      if (d >= maxLen) {
        trans[q * 10 + dig] = -1;
        continue;
      }
      const ns = new Int32Array(nc);
      for (let c = 0; c < nc; c++) ns[c] = comps[c]!.trans[st[c]! * 10 + dig]!;
      if (!g!.live[ns[0]!]) {
        trans[q * 10 + dig] = -1;
        continue;
      } // nothing valid below
      // dead components all behave alike: normalise so equal futures share a state
      for (let c = 0; c < nc; c++) if (!comps[c]!.live[ns[c]!] && comps[c]!.dead >= 0) ns[c] = comps[c]!.dead;
      const key = d + 1 + '|' + ns.join(',');
      let id = keys.get(key);
      if (id === undefined) {
        id = stStates.length;
        keys.set(key, id);
        stStates.push(ns);
        depth.push(d + 1);
      }
      trans[q * 10 + dig] = id;
    }
  }
  const S = stStates.length;
  const acc = new Uint8Array(S),
    fl = new Uint8Array(S);
  for (let q = 0; q < S; q++) {
    if (ev.accept(depth[q]!, stStates[q]!)) {
      acc[q] = 1;
      if (ev.flag(stStates[q]!)) fl[q] = 1;
    }
  }
  const cnt = new Float64Array(S),
    cntF = new Float64Array(S);
  const T = Int32Array.from(trans);
  for (let q = S - 1; q >= 0; q--) {
    // BFS order: children have larger ids
    let c = acc[q]!,
      f = fl[q]!;
    for (let dig = 0; dig < 10; dig++) {
      const t = T[q * 10 + dig]!;
      if (t < 0) continue;
      if (cnt[t] === 0) {
        T[q * 10 + dig] = -1;
        continue;
      }
      c += cnt[t]!;
      f += cntF[t]!;
    }
    cnt[q] = c;
    cntF[q] = f;
  }
  const acceptClean = acc.map((x, q) => (x && !fl[q] ? 1 : 0));
  const cntClean = cnt.map((x, q) => x - cntF[q]!);
  return { trans: T, accept: acc, flagged: fl, cnt, cntFlagged: cntF, acceptClean, cntClean, states: S };
}

const automatonCache = new Map<string, LayeredAutomaton>();

/**
 * The layered automaton for `region` and `type` (null = every valid type). Cached.
 * Accepts exactly the NSNs whose libphonenumber rules (national pattern, type precedence,
 * possible lengths per type, attribution among regions sharing the calling code) give
 * valid-for-`region` with that type; the national-prefix round-trip rule is handled by
 * {@link NumberSpace} through the `flagged` marks.
 */
export function regionAutomaton(region: Region, type: NumberType | null): LayeredAutomaton {
  const key = region + ':' + (type ?? '*');
  let a = automatonCache.get(key);
  if (!a) {
    a = buildLayered(evaluatorFor(region, type));
    automatonCache.set(key, a);
  }
  return a;
}

const DIG = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Largest number of flagged candidates we are willing to check one by one when building a space. */
const MAX_FLAGGED_CHECKS = 2_000_000;

/**
 * A densely indexed set of NSNs: the strings accepted by an automaton that start with one of
 * `prefixes` (all when empty), minus the ones classifyNational rejects (national-prefix rule).
 * `count` is exact; `unrank(i)` for i ∈ [0, count) is a bijection onto the set, ordered by
 * prefix (as given, after dropping prefixes covered by a shorter one), then length-lexicographic DFS.
 */
export class NumberSpace {
  readonly count: number;
  /** per prefix: count of accepted strings below it (before exceptions) */
  private readonly starts: Int32Array;
  private readonly prefixes: string[];
  private readonly cum: Float64Array; // cumulative raw counts, length prefixes+1
  /** raw ranks rejected by classifyNational, minus their index (nondecreasing); see unrank. */
  private readonly excShifted: Float64Array;
  readonly rawCount: number;
  /** flagged numbers checked individually and found not to round-trip (skipped by rank) */
  readonly exceptions: number;
  /** true when all flagged numbers were dropped unchecked (see constructor) */
  readonly conservative: boolean;
  /** valid-looking numbers left out in conservative mode (upper bound; most are truly invalid) */
  readonly omitted: number;
  private readonly cntTable: Float64Array;
  private readonly accTable: Uint8Array;
  /** Count per prefix after exceptions, aligned with `prefixList`. */
  readonly perPrefix: number[];

  constructor(
    readonly region: Region,
    readonly automaton: LayeredAutomaton,
    prefixes: readonly string[] = [],
  ) {
    const a = automaton;
    let ps = [...new Set(prefixes.length ? prefixes : [''])];
    ps = ps.filter((p) => !ps.some((o) => o !== p && p.startsWith(o)));
    this.prefixes = ps;
    const starts = new Int32Array(ps.length);
    const cum = new Float64Array(ps.length + 1);
    for (let k = 0; k < ps.length; k++) {
      let s = 0;
      for (let j = 0; j < ps[k]!.length && s >= 0; j++) s = a.trans[s * 10 + ps[k]!.charCodeAt(j) - 48]!;
      starts[k] = s;
      cum[k + 1] = cum[k]! + (s >= 0 ? a.cnt[s]! : 0);
    }
    let flaggedTotal = 0;
    for (let k = 0; k < ps.length; k++) if (starts[k]! >= 0) flaggedTotal += a.cntFlagged[starts[k]!]!;
    // Too many candidates to check one by one (e.g. JP "0037…", BY "810…", nearly all really
    // rejected): drop every flagged string instead. Still exact and dense, slightly smaller.
    this.conservative = flaggedTotal > MAX_FLAGGED_CHECKS;
    this.omitted = this.conservative ? flaggedTotal : 0;
    this.cntTable = this.conservative ? a.cntClean : a.cnt;
    this.accTable = this.conservative ? a.acceptClean : a.accept;
    if (this.conservative) {
      for (let k = 0; k < ps.length; k++) cum[k + 1] = cum[k]! + (starts[k]! >= 0 ? a.cntClean[starts[k]!]! : 0);
      flaggedTotal = 0;
    }
    this.starts = starts;
    this.cum = cum;
    this.rawCount = cum[ps.length]!;
    const cls = compileRegion(region);
    const exc: number[] = [];
    const perPrefixExc = new Array<number>(ps.length).fill(0);
    for (let k = 0; k < ps.length && flaggedTotal > 0; k++) {
      const s0 = starts[k]!;
      if (s0 < 0) continue;
      const nf = a.cntFlagged[s0]!;
      for (let j = 0; j < nf; j++) {
        const [nsnSuffix, rawRank] = unrankFlagged(a, s0, j);
        const nsn = ps[k] + nsnSuffix;
        if (cls.typeOf(nsn) === undefined) {
          exc.push(cum[k]! + rawRank);
          perPrefixExc[k]!++;
        }
      }
    }
    exc.sort((x, y) => x - y);
    this.excShifted = Float64Array.from(exc, (e, j) => e - j);
    this.exceptions = exc.length;
    this.count = this.rawCount - exc.length;
    this.perPrefix = ps.map((_, k) => cum[k + 1]! - cum[k]! - perPrefixExc[k]!);
  }

  /** Prefixes actually used (deduplicated, without ones covered by a shorter prefix). */
  get prefixList(): readonly string[] {
    return this.prefixes;
  }

  /** The i-th NSN of the space, i ∈ [0, count). @throws RangeError outside. */
  unrank(i: number): string {
    if (!(i >= 0 && i < this.count) || !Number.isInteger(i))
      throw new RangeError(`index ${i} outside [0, ${this.count})`);
    // skip exceptions: r = i + #{j : exc[j] - j <= i}
    const e = this.excShifted;
    let lo = 0,
      hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]! <= i) lo = mid + 1;
      else hi = mid;
    }
    let r = i + lo;
    // prefix part
    const cum = this.cum;
    let k = 0;
    if (cum.length > 2) {
      let a = 0,
        b = cum.length - 2;
      while (a < b) {
        const m = (a + b + 1) >>> 1;
        if (cum[m]! <= r) a = m;
        else b = m - 1;
      }
      k = a;
    }
    r -= cum[k]!;
    return this.prefixes[k] + unrankWith(this.automaton.trans, this.cntTable, this.accTable, this.starts[k]!, r);
  }
}

function unrankWith(trans: Int32Array, cnt: Float64Array, acc: Uint8Array, s: number, r: number): string {
  let out = '';
  for (;;) {
    if (acc[s] === 1) {
      if (r === 0) return out;
      r--;
    }
    const base = s * 10;
    let d = 0;
    for (; d < 10; d++) {
      const t = trans[base + d]!;
      if (t < 0) continue;
      const c = cnt[t]!;
      if (r < c) {
        out += DIG[d];
        s = t;
        break;
      }
      r -= c;
    }
    if (d === 10) throw new Error('unrank: index out of range (automaton corrupt)');
  }
}

/** The j-th flagged suffix below s and its rank among all accepted suffixes below s. */
function unrankFlagged(a: LayeredAutomaton, s: number, j: number): [string, number] {
  const trans = a.trans,
    cnt = a.cnt,
    cf = a.cntFlagged;
  let out = '',
    rank = 0;
  for (;;) {
    if (a.accept[s] === 1) {
      if (a.flagged[s] === 1) {
        if (j === 0) return [out, rank];
        j--;
      }
      rank++;
    }
    let d = 0;
    for (; d < 10; d++) {
      const t = trans[s * 10 + d]!;
      if (t < 0) continue;
      if (j < cf[t]!) {
        out += DIG[d];
        s = t;
        break;
      }
      j -= cf[t]!;
      rank += cnt[t]!;
    }
    if (d === 10) throw new Error('unrankFlagged: index out of range');
  }
}
