/**
 * Validation of raw phone fields with libphonenumber-js /max metadata. Pure, no I/O.
 *
 * Public API:
 *  - validateField(raw, defaultRegion?) → CheckResult[]: every number in a raw field, in order.
 *  - validateOne(text, defaultRegion?)  → CheckResult: one number, no splitting.
 *
 * Verdicts are libphonenumber's: `valid` = isValid(), `possible` = isPossible(), `type` =
 * getType(), `national` = formatNational(), `error` = the parsePhoneNumberWithError error or
 * the validatePhoneNumberLength verdict. Each number is parsed once; validity, type and national
 * format are computed from that one PhoneNumber through regexes compiled once per numbering plan
 * (typeOf / formatNationalOf below). libphonenumber-js compiles a fresh RegExp from the
 * metadata on every match, which is where most of its time goes; the results are identical
 * (checked by a differential test against the library's own methods).
 */
import { Metadata, parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import type { CheckResult, ErrorReason, NumberType, Region } from './types.ts';
import { e161Digits, normalizeRegion, normalizeText, rawSlice } from './normalize.ts';
import type { NormalizedText } from './normalize.ts';
import {
  bestPartition,
  expandShorthand,
  explicitGroups,
  countParts,
  hardSegments,
  isShorthandText,
  MAX_GROUP_DIGITS,
  softAtoms,
  SUBSTANTIAL_DIGITS,
} from './split.ts';
import type { Boundary, Scored, Span } from './split.ts';

// ---------------------------------------------------------------------------------------------
// Compiled numbering plans (mirror of libphonenumber-js getNumberType / isValid / format NATIONAL)

interface LibType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface LibFormat {
  pattern(): string;
  format(): string;
  leadingDigitsPatterns(): string[];
  nationalPrefixFormattingRule(): string | undefined;
}
/** The parts of libphonenumber-js's internal Metadata class used here (not in its .d.ts). */
interface LibMetadata {
  selectNumberingPlan(key: string): void;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  hasTypes(): boolean;
  type(t: string): LibType | undefined;
  formats(): LibFormat[];
  ext(): string;
  numberingPlan?: { nationalPrefix(): string | undefined };
  getCountryCodesForCallingCode(cc: string): string[] | undefined;
}

interface TypeMatcher {
  type: NumberType;
  re: RegExp;
  lengths: number[] | undefined;
}
interface FormatMatcher {
  leading: RegExp | null;
  whole: RegExp;
  re: RegExp;
  replacement: string;
}
interface Plan {
  nationalNumber: RegExp;
  hasTypes: boolean;
  fixed: TypeMatcher | null;
  /** MOBILE type: absent, or pattern '' (deduplicated into FIXED_LINE) → FIXED_LINE_OR_MOBILE. */
  mobile: TypeMatcher | null;
  mobileSameAsFixed: boolean;
  others: TypeMatcher[];
  formats: FormatMatcher[];
  ext: string;
  nationalPrefix: string | undefined;
  /** Possible national number lengths, ascending (undefined: any length). */
  lengths: number[] | undefined;
}

// Order from libphonenumber getNumberType (NON_FIXED_LINE_PHONE_TYPES).
const NON_FIXED_TYPES: NumberType[] = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];
const FIRST_GROUP = /(\$\d)/;

const plans = new Map<string, Plan>();
const regionsByCallingCode = new Map<string, readonly string[]>();

function newMetadata(): LibMetadata {
  return new Metadata() as unknown as LibMetadata;
}

function typeMatcher(m: LibMetadata, type: NumberType): TypeMatcher | null {
  const def = m.type(type);
  if (!def || !def.pattern()) return null;
  return { type, re: new RegExp('^(?:' + def.pattern() + ')$'), lengths: def.possibleLengths() };
}

function compilePlan(key: string): Plan {
  const m = newMetadata();
  m.selectNumberingPlan(key);
  const mobileDef = m.type('MOBILE');
  return {
    nationalNumber: new RegExp('^(?:' + m.nationalNumberPattern() + ')$'),
    hasTypes: m.hasTypes(),
    fixed: typeMatcher(m, 'FIXED_LINE'),
    mobile: typeMatcher(m, 'MOBILE'),
    mobileSameAsFixed: !mobileDef || mobileDef.pattern() === '',
    others: NON_FIXED_TYPES.map((t) => typeMatcher(m, t)).filter((t): t is TypeMatcher => t !== null),
    formats: m.formats().map((f) => {
      const lead = f.leadingDigitsPatterns();
      const rule = f.nationalPrefixFormattingRule();
      return {
        leading: lead.length > 0 ? new RegExp(lead[lead.length - 1]) : null,
        whole: new RegExp('^(?:' + f.pattern() + ')$'),
        re: new RegExp(f.pattern()),
        replacement: rule ? f.format().replace(FIRST_GROUP, rule) : f.format(),
      };
    }),
    ext: m.ext(),
    nationalPrefix: m.numberingPlan?.nationalPrefix(),
    lengths: m.possibleLengths(),
  };
}

/** Plan key as libphonenumber selects it: the number's country, else its calling code. */
function planOf(pn: PhoneNumber): Plan {
  const key = pn.country && pn.country !== ('001' as CountryCode) ? pn.country : pn.countryCallingCode;
  let p = plans.get(key);
  if (p === undefined) {
    p = compilePlan(key);
    plans.set(key, p);
  }
  return p;
}

function matchesType(nn: string, t: TypeMatcher): boolean {
  if (t.lengths && t.lengths.indexOf(nn.length) < 0) return false;
  return t.re.test(nn);
}

/**
 * Same result as `pn.getType()` (libphonenumber helpers/getNumberType): national number
 * pattern first, then FIXED_LINE (FIXED_LINE_OR_MOBILE where mobile is indistinguishable, as in
 * NANP), then the other types in libphonenumber's order. undefined when no type matches.
 */
export function typeOf(pn: PhoneNumber): NumberType | undefined {
  const plan = planOf(pn);
  const nn = pn.nationalNumber as string;
  if (!plan.nationalNumber.test(nn)) return undefined;
  if (plan.fixed && matchesType(nn, plan.fixed)) {
    if (plan.mobileSameAsFixed) return 'FIXED_LINE_OR_MOBILE';
    if (plan.mobile && matchesType(nn, plan.mobile)) return 'FIXED_LINE_OR_MOBILE';
    return 'FIXED_LINE';
  }
  for (const t of plan.others) if (matchesType(nn, t)) return t.type;
  return undefined;
}

/**
 * Same result as `pn.isValid()`: with type data (all of /max) valid ⇔ a type matched; a plan
 * without type data falls back to the national number pattern, as libphonenumber's isValid does.
 */
function isValidGivenType(pn: PhoneNumber, type: NumberType | undefined): boolean {
  if (type !== undefined) return true;
  const plan = planOf(pn);
  return !plan.hasTypes && plan.nationalNumber.test(pn.nationalNumber as string);
}

/**
 * Same result as `pn.formatNational()` (libphonenumber format.js, NATIONAL, default options):
 * first format whose last leading-digits pattern matches at 0 and whose pattern matches the
 * whole national number; national prefix formatting rule applied; extension appended.
 */
export function formatNationalOf(pn: PhoneNumber): string {
  const nn = pn.nationalNumber as string;
  if (!nn) return '';
  const plan = planOf(pn);
  let out = nn;
  for (const f of plan.formats) {
    if (f.leading !== null && nn.search(f.leading) !== 0) continue;
    if (!f.whole.test(nn)) continue;
    out = nn.replace(f.re, f.replacement);
    break;
  }
  return pn.ext ? out + plan.ext + pn.ext : out;
}

/** Length verdict: 'IS_POSSIBLE' or why not. */
export type LengthVerdict = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/**
 * Same result as libphonenumber's checkNumberLength on the number's plan — what
 * `validatePhoneNumberLength` returns for this number ('IS_POSSIBLE' where it returns
 * undefined) and what `isPossible()` tests — computed from the parsed number, without re-parsing.
 */
export function lengthOf(pn: PhoneNumber): LengthVerdict {
  const lengths = planOf(pn).lengths;
  if (!lengths || lengths.length === 0) return 'IS_POSSIBLE';
  const len = (pn.nationalNumber as string).length;
  if (lengths[0] === len) return 'IS_POSSIBLE';
  if (lengths[0] > len) return 'TOO_SHORT';
  if (lengths[lengths.length - 1] < len) return 'TOO_LONG';
  return lengths.indexOf(len, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

/** Regions sharing a country calling code (e.g. 44 → GB, GG, IM, JE). */
function regionsOf(cc: string): readonly string[] {
  let r = regionsByCallingCode.get(cc);
  if (r === undefined) {
    r = newMetadata().getCountryCodesForCallingCode(cc) ?? [];
    regionsByCallingCode.set(cc, r);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Checking one piece of text

/** A result plus what the splitter and shorthand expansion need. */
interface Checked extends Scored {
  result: CheckResult;
  pn: PhoneNumber | null;
  /** Start of the row's span in the normalised field text (-1 until placed). */
  at: number;
}

/**
 * libphonenumber parse calls made so far by this module (all fields). Diagnostic for tests
 * that bound validateField's work: see parseCount.
 */
let parses = 0;

/** Total libphonenumber parse calls made by this module since load (for work-bound tests). */
export function parseCount(): number {
  return parses;
}

const ERROR_REASONS: ReadonlySet<string> = new Set([
  'TOO_SHORT',
  'TOO_LONG',
  'INVALID_COUNTRY',
  'NOT_A_NUMBER',
  'INVALID_LENGTH',
]);

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function failed(input: string, error: ErrorReason, detail: string, digits: number): Checked {
  return {
    result: {
      input,
      valid: false,
      possible: false,
      e164: null,
      region: null,
      type: null,
      ext: null,
      national: null,
      error,
      detail,
    },
    pn: null,
    valid: false,
    possible: false,
    shorthand: false,
    substantial: digits >= SUBSTANTIAL_DIGITS,
    at: -1,
  };
}

function parseErrorDetail(reason: ErrorReason, region: Region | undefined): string {
  switch (reason) {
    case 'INVALID_COUNTRY':
      return region
        ? 'no valid country calling code after "+" or the international (IDD) prefix'
        : 'no country calling code, and no known default region to read a national or IDD (00/011) number';
    case 'TOO_SHORT':
      return 'too few digits to be a phone number';
    case 'TOO_LONG':
      return 'too many digits to be a phone number';
    case 'INVALID_LENGTH':
      return 'digit count not used by this numbering plan';
    default:
      return 'no phone number could be read from this text';
  }
}

/** Names the plan in details: the region when it is certain, else "+cc (regions sharing it)". */
function planName(pn: PhoneNumber, valid: boolean): string {
  if (pn.country && (valid || regionsOf(pn.countryCallingCode as string).length === 1)) return pn.country;
  const regions = regionsOf(pn.countryCallingCode as string).filter((r) => r !== '001');
  return `+${pn.countryCallingCode}` + (regions.length ? ` (${regions.join(', ')})` : '');
}

/**
 * Result for a parsed number. Reuses `pn` for every verdict (no re-parse on the valid path).
 * `text` is the exact string that was parsed (used only to ask validatePhoneNumberLength why a
 * number is not possible), `region` the default region it was parsed with.
 */
function fromParsed(
  pn: PhoneNumber,
  input: string,
  text: string,
  region: Region | undefined,
  shorthand: boolean,
): Checked {
  let type = typeOf(pn);
  let valid = isValidGivenType(pn, type);
  if (!valid) {
    // A second trunk 0 after the country code ("+27 (0) 035 450 8200"): libphonenumber strips
    // one national prefix; drop another only if that turns an invalid number into a valid one.
    const fixed = retryWithoutTrunkPrefix(pn, text);
    if (fixed !== null) {
      pn = fixed;
      type = typeOf(pn);
      valid = true;
    }
  }
  const verdict = lengthOf(pn);
  const possible = verdict === 'IS_POSSIBLE';
  let error: ErrorReason | null = null;
  let detail: string | null = null;
  if (!possible) {
    error = verdict;
    detail =
      error === 'TOO_SHORT'
        ? `too short for the numbering plan of ${planName(pn, valid)}`
        : error === 'TOO_LONG'
          ? `too long for the numbering plan of ${planName(pn, valid)}`
          : `length not used by the numbering plan of ${planName(pn, valid)}`;
  } else if (!valid) {
    detail = `not a number in the numbering plan of ${planName(pn, valid)} (length is possible, digits are not assigned or outdated)`;
  }
  // An invalid number belongs to no region; report the region only when the calling code has
  // exactly one (libphonenumber otherwise guesses, e.g. +1 800 123 4567 → DO).
  const cc = pn.countryCallingCode as string;
  const regionOut = (valid || regionsOf(cc).length === 1 ? pn.country : undefined) ?? null;
  const nsn = pn.nationalNumber as string;
  return {
    result: {
      input,
      valid,
      possible,
      e164: pn.number as string,
      region: regionOut as Region | null,
      type: valid ? (type ?? null) : null,
      ext: pn.ext ?? null,
      national: formatNationalOf(pn),
      error,
      detail,
    },
    pn,
    valid,
    possible,
    shorthand,
    substantial: nsn.length >= SUBSTANTIAL_DIGITS,
    at: -1,
  };
}

function retryWithoutTrunkPrefix(pn: PhoneNumber, text: string): PhoneNumber | null {
  const nn = pn.nationalNumber as string;
  const np = planOf(pn).nationalPrefix;
  if (!np || !nn.startsWith(np) || nn.length <= np.length + 3) return null;
  if (!/^\s*\(?\s*\+/.test(text)) return null; // only for numbers written with "+cc"
  parses++;
  try {
    const alt = parsePhoneNumberWithError('+' + pn.countryCallingCode + nn.slice(np.length));
    if (pn.ext) alt.setExt(pn.ext);
    return isValidGivenType(alt, typeOf(alt)) ? alt : null;
  } catch {
    return null;
  }
}

/** Parses letter-free `text` (already normalised) once and builds the result. Never throws. */
function checkText(text: string, input: string, region: Region | undefined): Checked {
  let pn: PhoneNumber;
  // ParseError is control flow here; capturing its stack trace costs more than the parse.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  parses++;
  try {
    pn = parsePhoneNumberWithError(text, region);
  } catch (e) {
    const msg = e instanceof ParseError || e instanceof Error ? e.message : '';
    const reason = (ERROR_REASONS.has(msg) ? msg : 'NOT_A_NUMBER') as ErrorReason;
    return failed(input, reason, parseErrorDetail(reason, region), countDigits(text));
  } finally {
    Error.stackTraceLimit = limit;
  }
  return fromParsed(pn, input, text, region, false);
}

/**
 * A bare 1–4 digit group right after `/` that continues the previous number of the same
 * segment (`+30 210 6780 46 80/81/82`): same calling code, national number with its last digits
 * replaced. Callers only ask for it at a `/` boundary (see evalGroup).
 */
function checkShorthand(text: string, input: string, prev: Checked, region: Region | undefined): Checked | null {
  const base = prev.pn;
  if (base === null) return null;
  const nsn = expandShorthand(base.nationalNumber as string, text);
  if (nsn === null) return null;
  parses++;
  try {
    const pn = parsePhoneNumberWithError('+' + base.countryCallingCode + nsn);
    return fromParsed(pn, input, '+' + base.countryCallingCode + nsn, region, true);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Letters: labels, extensions, vanity numbers, plain text

const HAS_LETTER = /\p{L}/u;
// Extension at the end, in the forms libphonenumber's own extension pattern accepts
// (explicit: ext/extn/extension/extensión/доб/anexo; ambiguous: x # ~ int; RFC 3966 `;ext=`).
const EXT_TAIL =
  /(?:(?:;(?:ext=\d{1,20}|isub=[\w.!~*'()%-]*))+|[ \t]*(?:e?xt(?:ensi(?:o\u0301?|\u00f3))?n?|\u0434\u043e\u0431|anexo)[:.]?[ \t,-]*\d{1,20}|[ \t]*(?:[x#~]|int)[:.]?[ \t,-]*\d{1,9})#?$/iu;
const LEADING_LABEL =
  /^(?:(?:tel(?:ephone|efono|efone|efon|efoon|efax|f)?|t[ée]l[ée]phone|t[ée]l|phone|fax|telefax|mob(?:ile|il)?|cell(?:phone)?|gsm|hotline|whatsapp|tlf|tfn|landline|switchboard)(?:\s*[.:]|(?=[\s\d+(]))|(?:t|f|m|ph|tf)\s*[.:])\s*/iu;
const DIGIT = /\d/;

const VANITY_SHAPE = /^\+?[\d(][\d\s().-]*[A-Za-z][A-Za-z\d\s().-]*$/;

/** Why a letters-and-digits string is rejected; vanity-shaped text gets its keypad reading. */
function vanityDetail(text: string): string {
  const letters = (text.match(/\p{L}+/gu) ?? []).map((l) => `"${l}"`).join(', ');
  if (VANITY_SHAPE.test(text)) {
    return `vanity number: letters ${letters} are not converted to digits (E.161 keypad would read ${e161Digits(text)}); rejected rather than stored as a truncated number`;
  }
  return `"${text}" mixes letters ${letters} with digits: not a phone number (letters are never dropped or converted)`;
}

function textRow(input: string): Checked {
  return failed(input, 'NOT_A_NUMBER', `"${input.trim()}" is text, not a phone number`, 0);
}

/** Context for one validateField call. */
interface FieldCtx {
  raw: string;
  norm: NormalizedText;
  region: Region | undefined;
  /** parseCount() when the field started, and the most parses the partition search may use. */
  workStart: number;
  maxWork: number;
  /** Rows the field may still emit before the cap (MAX_RESULTS_PER_FIELD). */
  room: number;
  /** Verdicts by normalised text: a repeated part is parsed once per field. */
  seen: Map<string, Checked>;
}

/**
 * Most results validateField returns for one field before the remainder row (see validateField).
 * Bounds the work and the output of pathological fields (`'\u33c2'.repeat(40000)`).
 */
export const MAX_RESULTS_PER_FIELD = 1000;

/**
 * Parse budget of the partition search for a field of `length` UTF-16 units: linear, and far
 * above what real fields need (a 12-atom segment needs at most 78 parses). Past it, segments
 * are read without the search (see numbersIn), so a field costs O(length) parses in all.
 */
export function searchBudget(length: number): number {
  return 128 + (length >> 3);
}

function inputOf(ctx: FieldCtx, s: Span): string {
  return rawSlice(ctx.raw, ctx.norm, s.start, s.end);
}

function placed(c: Checked, at: number): Checked {
  c.at = at;
  return c;
}

/** checkText, memoised per field (same text and region → same verdict; input is per row). */
function checkCached(ctx: FieldCtx, text: string, input: string, at: number): Checked {
  const hit = ctx.seen.get(text);
  if (hit !== undefined) return { ...hit, result: { ...hit.result, input }, at };
  const c = placed(checkText(text, input, ctx.region), at);
  ctx.seen.set(text, c);
  return c;
}

function budgetLeft(ctx: FieldCtx): boolean {
  return parses - ctx.workStart < ctx.maxWork;
}

/**
 * Scores one candidate group for the splitter. A bare 1–4 digit group is read as a shorthand
 * suffix of `prev` only right after a `/` (`4222/3/4`); anywhere else it is parsed as written.
 */
function evalGroup(ctx: FieldCtx, span: Span, prev: Checked | null, boundary: Boundary): Checked {
  const text = ctx.norm.text.slice(span.start, span.end);
  const input = inputOf(ctx, span);
  if (prev !== null && boundary === 'slash' && isShorthandText(text)) {
    const sh = checkShorthand(text, input, prev, ctx.region);
    if (sh !== null) return placed(sh, span.start);
  }
  return checkCached(ctx, text, input, span.start);
}

/**
 * Numbers in a letter-free span: whole if valid, else the best split (split.ts). Returns at
 * most ctx.room + 1 rows when it has to read part by part (the caller caps the field).
 *
 * Once the field's search budget is spent (only pathological fields get there), a span is read
 * without the search: whole if valid or short enough to be one number, else part by part.
 */
function numbersIn(ctx: FieldCtx, span: Span): Checked[] {
  const text = ctx.norm.text.slice(span.start, span.end);
  const whole = checkCached(ctx, text, inputOf(ctx, span), span.start);
  if (whole.valid) return [whole];
  const atoms = softAtoms(ctx.norm.text, span);
  if (atoms.spans.length <= 1) return [whole];
  const groups = explicitGroups(atoms);
  let digits = 0;
  for (const d of atoms.digits) digits += d;
  if (!budgetLeft(ctx) && (groups.length === 1 || digits <= MAX_GROUP_DIGITS)) return [whole];
  // Cheap first try: split at every explicit separator (`/`, spaced dash); accept if every
  // part is a valid number (or valid shorthand), which is the usual multi-number field.
  const parts: Checked[] = [];
  const byParts = (all: boolean): Checked[] => {
    let p: Checked | null = parts[parts.length - 1] ?? null;
    for (let k = parts.length; k < groups.length && parts.length <= ctx.room; k++) {
      const [i, j] = groups[k];
      const s = { start: atoms.spans[i].start, end: atoms.spans[j - 1].end };
      const c = evalGroup(ctx, s, p, i === 0 ? 'hard' : atoms.kinds[i]);
      if (!all && !c.valid) break;
      parts.push(c);
      p = c;
    }
    return parts;
  };
  if (groups.length > 1 && budgetLeft(ctx)) {
    byParts(false);
    if (parts.length === groups.length || parts.length > ctx.room) return parts;
  }
  if (budgetLeft(ctx)) {
    const found = bestPartition<Checked>(atoms, (s, p, b) => {
      if (s.start === span.start && s.end === span.end) return whole;
      return budgetLeft(ctx) ? evalGroup(ctx, s, p, b) : null;
    });
    if (found !== null) return found;
  }
  // No reading passes the split rules within the search limits (a long list of parts that
  // cannot be one number), or the budget is spent: every explicit part is its own row.
  // The valid prefix found by the first try is kept; reading resumes after it.
  if (groups.length === 1) return [whole];
  return byParts(true);
}

/**
 * One hard segment. Letter-free → numbersIn. With letters: a trailing extension is left for
 * libphonenumber; a leading label is skipped; a token mixing letters and digits makes the
 * segment a vanity/garbled number (NOT_A_NUMBER, never a truncated number); letter-only word
 * runs become their own NOT_A_NUMBER rows and the digit runs between them are numbers, read
 * on their own (never as a shorthand of the number before the words).
 */
function segmentResults(ctx: FieldCtx, seg: Span): Checked[] {
  const text = ctx.norm.text;
  let segText = text.slice(seg.start, seg.end);
  if (!HAS_LETTER.test(segText)) return numbersIn(ctx, seg);
  const label = LEADING_LABEL.exec(segText);
  if (label !== null && label[0].length < segText.length) {
    seg = { start: seg.start + label[0].length, end: seg.end };
    segText = text.slice(seg.start, seg.end);
  }
  const ext = EXT_TAIL.exec(segText);
  const coreEnd = ext !== null && DIGIT.test(segText.slice(0, ext.index)) ? seg.start + ext.index : seg.end;
  const core = text.slice(seg.start, coreEnd);
  if (!HAS_LETTER.test(core)) return numbersIn(ctx, seg);

  // Tokens of the core, split at whitespace and `/`; a run of letter-bearing tokens (words, or
  // letters glued to digits) is text, a run of letter-free tokens is a number candidate.
  const runs: { span: Span; text: boolean; mixed: boolean }[] = [];
  const re = /[^\s/]+/g;
  for (let m = re.exec(core); m !== null; m = re.exec(core)) {
    const tok = m[0];
    const isText = HAS_LETTER.test(tok);
    const mixed = isText && DIGIT.test(tok);
    const span = { start: seg.start + m.index, end: seg.start + m.index + tok.length };
    const last = runs[runs.length - 1];
    if (last && last.text === isText) {
      last.span = { start: last.span.start, end: span.end };
      last.mixed ||= mixed;
    } else runs.push({ span, text: isText, mixed });
  }
  const lastRun = runs[runs.length - 1];
  if (lastRun && coreEnd < seg.end) lastRun.span = { start: lastRun.span.start, end: seg.end };

  const out: Checked[] = [];
  const room = ctx.room;
  for (let i = 0; i < runs.length && out.length <= room; i++) {
    const r = runs[i];
    if (r.text) {
      const input = inputOf(ctx, r.span);
      out.push(
        placed(
          r.mixed
            ? failed(input, 'NOT_A_NUMBER', vanityDetail(text.slice(r.span.start, r.span.end)), countDigits(input))
            : textRow(input),
          r.span.start,
        ),
      );
      continue;
    }
    ctx.room = room - out.length;
    const nums = numbersIn(ctx, r.span);
    ctx.room = room;
    const next = runs[i + 1];
    // "1 800 FLOWERS": digits not valid alone, followed by one upper-case word that would
    // complete a plausible length on a keypad → one vanity row, not a short number + text.
    if (next && next.text && nums.every((n) => !n.valid)) {
      const word = text.slice(next.span.start, next.span.end);
      const total = countDigits(text.slice(r.span.start, next.span.end)) + (word.match(/[A-Z]/g) ?? []).length;
      if (/^[A-Z0-9][A-Z0-9-]*[A-Z0-9]$/.test(word) && total >= 7 && total <= 15) {
        const span = { start: r.span.start, end: next.span.end };
        out.push(
          placed(
            failed(inputOf(ctx, span), 'NOT_A_NUMBER', vanityDetail(text.slice(span.start, span.end)), total),
            span.start,
          ),
        );
        i++;
        continue;
      }
    }
    out.push(...nums);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API

// Characters that need the slow path: letters, hard separators (see split.ts), `#`.
const NEEDS_SPLIT_CHECK = /[\p{L},;|\n\r\t\v\f\\&#]|\/\//u;
const CLEAN_EDGES = /^[\d+(][\s\S]*[\d)]$/;

/**
 * Validates every phone number found in one raw field, in order of appearance.
 *
 * @param raw  the field exactly as published (any Unicode; labels, several numbers, text).
 * @param defaultRegion  ISO 3166-1 alpha-2 region for national/IDD input; case-insensitive,
 *   `UK` → `GB`; unknown codes are treated as absent (see normalizeRegion).
 * @returns one CheckResult per number or leftover text, index = position within the field;
 *   one NOT_A_NUMBER row for a field with no content (empty, whitespace, separators or labels only).
 *   `input` is the original substring. Never throws.
 *
 * Splitting (split.ts): hard separators always split; `/`, spaced dashes and whitespace split
 * only when the parts read as more valid numbers than the whole, and a field that is valid as a
 * whole is never split. After a valid number, whatever follows a `/` or spaced dash is its own
 * row. A `/`-separated list too long to be one number is reported part by part.
 *
 * Shorthand: a bare 1–4 digit group directly after a number with `/` between them replaces the
 * number's last digits (`+27 (0) 31 905 4222/3/4` → …4222, …4223, …4224). Nowhere else: a short
 * digit token after a comma, a word or a label (`…, Suite 200`, `press 1`, `Fax -99`) is its
 * own row with libphonenumber's verdict (TOO_SHORT, NOT_A_NUMBER…), never expanded, merged or
 * dropped. A `tel:` URI (RFC 3966, `;ext=`) is one number. Vanity letters are rejected with
 * NOT_A_NUMBER (never converted, never truncated to `+1800`).
 *
 * Limits: at most MAX_RESULTS_PER_FIELD (1,000) results; if the field holds more, they are
 * followed by one NOT_A_NUMBER row whose `input` is the rest of the field (from the first part
 * not reported) and whose `detail` says how many parts it holds, so nothing is silently
 * dropped. The work is linear in the field length: the split search has a parse budget
 * (searchBudget); a pathological field that exhausts it has its remaining segments read
 * without the search (whole, or part by part).
 */
export function validateField(raw: string, defaultRegion?: string | null): CheckResult[] {
  const out = numbersInField(raw, defaultRegion);
  // An input row is never silently dropped: an empty field (or one holding only labels and
  // separators) reports one NOT_A_NUMBER row, so every row of a validate job is accounted for.
  return out.length
    ? out
    : [failed(typeof raw === 'string' ? raw : '', 'NOT_A_NUMBER', 'empty: no phone number in the field', 0).result];
}

function numbersInField(raw: string, defaultRegion?: string | null): CheckResult[] {
  if (typeof raw !== 'string') raw = raw === undefined || raw === null ? '' : String(raw);
  const region = normalizeRegion(defaultRegion);
  const norm = normalizeText(raw);
  const text = norm.text;
  const ctx: FieldCtx = {
    raw,
    norm,
    region,
    workStart: parses,
    maxWork: searchBudget(text.length),
    room: MAX_RESULTS_PER_FIELD,
    seen: new Map(),
  };
  // Fast path: one clean number, no letters or hard separators.
  const rows =
    !NEEDS_SPLIT_CHECK.test(text) && CLEAN_EDGES.test(text) ? numbersIn(ctx, { start: 0, end: text.length }) : [];
  if (rows.length === 0) {
    for (const seg of hardSegments(text)) {
      ctx.room = MAX_RESULTS_PER_FIELD - rows.length;
      if (ctx.room < 0) break;
      for (const r of segmentResults(ctx, seg)) rows.push(r);
    }
  }
  if (rows.length <= MAX_RESULTS_PER_FIELD) return rows.map((r) => r.result);
  const at = rows[MAX_RESULTS_PER_FIELD].at;
  const parts = countParts(text, at);
  const rest = failed(
    inputOf(ctx, { start: at, end: text.length }),
    'NOT_A_NUMBER',
    `not validated: a field is limited to ${MAX_RESULTS_PER_FIELD} results; this remainder holds ${parts} more part${parts === 1 ? '' : 's'}`,
    0,
  );
  return [...rows.slice(0, MAX_RESULTS_PER_FIELD).map((r) => r.result), rest.result];
}

/**
 * Validates `text` as ONE number (no splitting). A leading label (`Tel:`) is skipped and an
 * extension is read by libphonenumber; letters anywhere else give NOT_A_NUMBER (vanity numbers
 * are not converted). Empty input gives NOT_A_NUMBER. Never throws.
 */
export function validateOne(text: string, defaultRegion?: string | null): CheckResult {
  if (typeof text !== 'string') text = text === undefined || text === null ? '' : String(text);
  const region = normalizeRegion(defaultRegion);
  let t = normalizeText(text).text.trim();
  const label = LEADING_LABEL.exec(t);
  if (label !== null && label[0].length < t.length) t = t.slice(label[0].length);
  if (t === '') return failed(text, 'NOT_A_NUMBER', 'empty: no phone number', 0).result;
  const ext = EXT_TAIL.exec(t);
  const core = ext !== null ? t.slice(0, ext.index) : t;
  if (HAS_LETTER.test(core)) {
    return DIGIT.test(core)
      ? failed(text, 'NOT_A_NUMBER', vanityDetail(t), countDigits(t)).result
      : textRow(text).result;
  }
  return checkText(t, text, region).result;
}
