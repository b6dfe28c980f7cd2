/**
 * Validation of raw phone fields with libphonenumber-js /max metadata. Pure, no I/O.
 *
 * Public API:
 *  - validateField(raw, defaultRegion?) → CheckResult[]: every number in a raw field, in order.
 *  - validateOne(text, defaultRegion?)  → CheckResult: one number, no splitting.
 *
 * Verdicts are libphonenumber's: `valid` = isValid(), `possible` = isPossible(), `type` =
 * getType(), `national` = formatNational(), `error` = the parsePhoneNumberWithError error or
 * the validatePhoneNumberLength verdict. Each number is parsed once (core/check-text.ts) and its
 * verdicts come from patterns compiled once per plan (core/plan-mirror.ts).
 *
 * This file is the field: where a raw field splits into numbers (core/split.ts decides the
 * shapes, parses score them), labels and extensions (core/labels.ts), words and vanity letters
 * (core/letters.ts), and the limits that keep one field's work linear.
 */
import type { CheckResult, Region, ValidateOptions } from './types.ts';
import { countDigits, normalizeRegion, normalizeText, rawSlice, type NormalizedText } from './normalize.ts';
import {
  bestPartition,
  explicitGroups,
  countParts,
  hardSegments,
  type Segment,
  isShorthandText,
  MAX_GROUP_DIGITS,
  softAtoms,
  type Boundary,
  type Span,
} from './split.ts';
import { checkShorthand, checkText, failed, parseCount, type Checked } from './check-text.ts';
import { DIGIT, HAS_LETTER, textRow, vanityDetail } from './letters.ts';
import {
  annotationLabel,
  EXT_LIST_TAIL,
  EXT_MARKER_ONLY,
  EXT_ONLY,
  EXT_TAIL,
  extensionList,
  LEADING_LABEL,
  MAX_LISTED_EXT_DIGITS,
} from './labels.ts';
import {
  expandExponent,
  isMasked,
  labelOf,
  labelRows,
  maskedRow,
  precisionLostRow,
  warned,
  withExt,
  withExtensions,
  withoutCarrierSlot,
} from './field-repairs.ts';
import type { Label } from './codes.ts';
import { repair, type RepairCtx } from './repairs.ts';

export { parseCount };

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
  /** What the repairs may do (core/repairs.ts). */
  rc: RepairCtx;
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
  return parseCount() - ctx.workStart < ctx.maxWork;
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
 * Numbers in a letter-free span, repaired (core/repairs.ts) as the mode allows. When the plain
 * split finds no valid number, the span is repaired as a whole first (`00 33 1 42 68 53 00` in
 * CA is one number, not parts); else each row of the split is repaired on its own. Never on
 * the candidates the split search scores, so the search costs what it costs without repairs.
 */
function numbersIn(ctx: FieldCtx, span: Span): Checked[] {
  if (ctx.rc.mode === 'none') return plainNumbersIn(ctx, span);
  const text = ctx.norm.text.slice(span.start, span.end);
  const whole = checkCached(ctx, text, inputOf(ctx, span), span.start);
  const rows = plainNumbersIn(ctx, span, whole);
  // The span repaired as a whole only when the split found no valid number: a repair must not
  // glue `49 86 11 43 44 32` (two FO numbers) into one DE number.
  const fixed = whole.valid || rows.some((r) => r.valid) ? null : repair(whole, text, ctx.rc);
  if (fixed !== null && fixed.valid) return [fixed];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.shorthand) continue;
    rows[i] = fixed !== null && r.at === span.start && r.text === text ? fixed : repair(r, r.text, ctx.rc);
  }
  return rows;
}

/**
 * Numbers in a letter-free span: whole if valid, else the best split (split.ts). Returns at
 * most ctx.room + 1 rows when it has to read part by part (the caller caps the field).
 *
 * Once the field's search budget is spent (only pathological fields get there), a span is read
 * without the search: whole if valid or short enough to be one number, else part by part.
 * `known` is the span's whole reading when the caller has it already.
 */
function plainNumbersIn(ctx: FieldCtx, span: Span, known?: Checked): Checked[] {
  const text = ctx.norm.text.slice(span.start, span.end);
  const whole = known ?? checkCached(ctx, text, inputOf(ctx, span), span.start);
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
      const [i, j] = groups[k]!;
      const s = { start: atoms.spans[i]!.start, end: atoms.spans[j - 1]!.end };
      const c = evalGroup(ctx, s, p, i === 0 ? 'hard' : atoms.kinds[i]!);
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
 *
 * With repairs on (core/field-repairs.ts): the segment's label (the separator before it, a
 * leading label, or an annotation such as `(mobile)` after its numbers) labels its rows instead
 * of being dropped or reported as text; masked digits are one MASKED row; extension words and
 * lists libphonenumber does not read (`Durchwahl 21`, `ext. 21/22`) become one row per
 * extension; an extension marker with no digits is dropped with a warning.
 */
function segmentResults(ctx: FieldCtx, seg: Segment): Checked[] {
  const repairing = ctx.rc.mode !== 'none';
  const out = segmentRows(ctx, seg, repairing);
  if (repairing) labelRows(out, labelOf(seg.label) ?? labelOf(seg.trailingLabel));
  return out;
}

function segmentRows(ctx: FieldCtx, seg: Span, repairing: boolean): Checked[] {
  const text = ctx.norm.text;
  let segText = text.slice(seg.start, seg.end);
  if (!HAS_LETTER.test(segText) && !(repairing && isMasked(segText))) return numbersIn(ctx, seg);
  const label = LEADING_LABEL.exec(segText);
  let leadLabel: Label | null = null;
  if (label !== null && label[0].length < segText.length) {
    if (repairing) leadLabel = labelOf(label[0]);
    seg = { start: seg.start + label[0].length, end: seg.end };
    segText = text.slice(seg.start, seg.end);
  }
  if (repairing) {
    const rows = repairedSegment(ctx, seg, segText);
    if (rows !== null) {
      labelRows(rows, leadLabel);
      return rows;
    }
  }
  const ext = EXT_TAIL.exec(segText);
  const coreEnd = ext !== null && DIGIT.test(segText.slice(0, ext.index)) ? seg.start + ext.index : seg.end;
  const core = text.slice(seg.start, coreEnd);
  if (!HAS_LETTER.test(core)) {
    const rows = numbersIn(ctx, seg);
    labelRows(rows, leadLabel);
    return rows;
  }

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
  let pending = leadLabel; // a label before numbers names the numbers after it
  let unlabelled = 0; // first row an annotation after numbers would name
  for (let i = 0; i < runs.length && out.length <= room; i++) {
    const r = runs[i]!;
    if (r.text) {
      const words = text.slice(r.span.start, r.span.end);
      if (repairing && !r.mixed) {
        const annotation = annotationLabel(words);
        if (annotation !== null) {
          // `… 0321 (mobile)` names the number right before it; `Handy 0171 …` the ones after it.
          if (out.length > unlabelled) labelRows(out, annotation, out.length - 1);
          else pending = annotation;
          unlabelled = out.length;
          continue;
        }
        if (i === runs.length - 1 && out.length > 0 && EXT_MARKER_ONLY.test(words)) {
          out[out.length - 1] = warned(
            out[out.length - 1]!,
            'extension_without_digits',
            `extension marker "${words.trim()}" with no digits dropped`,
          );
          continue;
        }
      }
      const input = inputOf(ctx, r.span);
      out.push(
        placed(
          r.mixed
            ? failed(input, 'NOT_A_NUMBER', vanityDetail(text.slice(r.span.start, r.span.end)), countDigits(input))
            : textRow(input),
          r.span.start,
        ),
      );
      unlabelled = out.length;
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
    labelRows(nums, pending);
    pending = null;
    out.push(...nums);
  }
  return out;
}

/** Extension markers without a letter (`#21`, `~21`). */
const MARKER_SIGN = /[#~]/;

/**
 * The rows of a segment one of the segment-wide repairs reads (masked digits, Brazil's `0xx`
 * carrier slot, an extension word or list libphonenumber does not read), or null when none
 * applies. `seg` starts after any leading label.
 */
function repairedSegment(ctx: FieldCtx, seg: Span, segText: string): Checked[] | null {
  const input = inputOf(ctx, seg);
  if (ctx.region === 'BR') {
    const slot = withoutCarrierSlot(segText);
    if (slot !== null && !HAS_LETTER.test(slot)) {
      const c = repair(checkText(slot, input, ctx.region), slot, ctx.rc);
      const result = { ...c.result, repairs: ['carrier_code_removed' as const, ...c.result.repairs] };
      return [placed({ ...c, result }, seg.start)];
    }
  }
  if (isMasked(segText)) return [placed(maskedRow(input, countDigits(segText)), seg.start)];
  // Every extension marker has a letter or is `#`/`~`: most segments (a label already cut off)
  // skip the two extension patterns.
  if (!HAS_LETTER.test(segText) && !MARKER_SIGN.test(segText)) return null;
  if (EXT_TAIL.test(segText)) return null; // libphonenumber reads it
  const list = EXT_LIST_TAIL.exec(segText);
  if (list === null || !DIGIT.test(segText.slice(0, list.index))) return null;
  const core = { start: seg.start, end: seg.start + list.index };
  return withExtensions(segmentRows(ctx, core, true), extensionList(list[1]!), input);
}

// ---------------------------------------------------------------------------------------------
// Public API

// Characters that need the slow path: letters, hard separators (see split.ts), `#`, masks.
const NEEDS_SPLIT_CHECK = /[\p{L},;|\n\r\t\v\f\\&#*•●∙]|\/\//u;
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
export function validateField(
  raw: string,
  defaultRegion?: string | null,
  options: ValidateOptions = {},
): CheckResult[] {
  const out = numbersInField(raw, defaultRegion, options);
  // An input row is never silently dropped: an empty field (or one holding only labels and
  // separators) reports one NOT_A_NUMBER row, so every row of a validate job is accounted for.
  if (out.length) return out;
  const text = typeof raw === 'string' ? raw : '';
  const onlyLabel = options.repairs !== 'none' && HAS_LETTER.test(text);
  return [
    failed(
      text,
      'NOT_A_NUMBER',
      onlyLabel ? `no phone number, only a label ("${text.trim()}")` : 'empty: no phone number in the field',
      0,
    ).result,
  ];
}

/**
 * A segment that only continues the extensions of the number before it (`…0100 x21, x22`, or
 * `…1234567, Durchwahl 21`): the previous row gets the extension, or is repeated with it when
 * it has one. A bare digit group counts only when it is as long as the extension before it
 * (`ext. 21, 22`). True when the segment was consumed.
 */
function moreExtensions(ctx: FieldCtx, seg: Segment, rows: Checked[]): boolean {
  const prev = rows[rows.length - 1];
  if (prev === undefined || prev.result.e164 === null) return false;
  const segText = ctx.norm.text.slice(seg.start, seg.end);
  const marked = EXT_ONLY.exec(segText);
  const bare =
    prev.result.ext !== null &&
    /^\d+$/.test(segText) &&
    segText.length === prev.result.ext.length &&
    segText.length <= MAX_LISTED_EXT_DIGITS;
  const ext = marked?.[1] ?? (bare ? segText : null);
  if (ext === null || ext === undefined) return false;
  if (prev.result.ext === null) rows[rows.length - 1] = withExt(prev, ext);
  else rows.push(placed(withExt(prev, ext, inputOf(ctx, seg)), seg.start));
  return true;
}

function numbersInField(
  raw: string,
  defaultRegion: string | null | undefined,
  options: ValidateOptions,
): CheckResult[] {
  if (typeof raw !== 'string') raw = raw === undefined || raw === null ? '' : String(raw);
  const region = normalizeRegion(defaultRegion);
  const norm = normalizeText(raw);
  const text = norm.text;
  const ctx: FieldCtx = {
    raw,
    norm,
    region,
    workStart: parseCount(),
    maxWork: searchBudget(text.length),
    room: MAX_RESULTS_PER_FIELD,
    seen: new Map(),
    rc: {
      mode: options.repairs ?? 'safe',
      region,
      defaultAreaCode: options.defaultAreaCode ?? null,
      numericSource: options.numericSource ?? false,
    },
  };
  if (ctx.rc.mode !== 'none') {
    const exponent = expandExponent(text);
    if (exponent !== null) {
      if ('lost' in exponent) return [precisionLostRow(raw).result];
      const c = repair(checkText(exponent.digits, raw, region), exponent.digits, ctx.rc);
      return [{ ...c.result, repairs: ['spreadsheet_exponent', ...c.result.repairs] }];
    }
  }
  // Fast path: one clean number, no letters or hard separators.
  const rows =
    !NEEDS_SPLIT_CHECK.test(text) && CLEAN_EDGES.test(text) ? numbersIn(ctx, { start: 0, end: text.length }) : [];
  if (rows.length === 0) {
    const repairing = ctx.rc.mode !== 'none';
    for (const seg of hardSegments(text, repairing)) {
      ctx.room = MAX_RESULTS_PER_FIELD - rows.length;
      if (ctx.room < 0) break;
      if (repairing && moreExtensions(ctx, seg, rows)) continue;
      for (const r of segmentResults(ctx, seg)) rows.push(r);
    }
  }
  if (rows.length <= MAX_RESULTS_PER_FIELD) return rows.map((r) => r.result);
  const at = rows[MAX_RESULTS_PER_FIELD]!.at;
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
