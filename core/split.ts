/**
 * Splitting a raw phone field into the numbers it holds. Pure, no I/O, no libphonenumber calls:
 * the decision of where a field splits is driven by a scorer the caller injects (validate.ts
 * parses each candidate group), so this module only knows the lexical shapes.
 *
 * Two kinds of separator:
 *  - hard: `,` `;` `|` tab/newline, `//`, `\`, `&`, the words or/o/ou/oder/y/e/et/and/und,
 *    and labels (`Tel:`, `Fax`, `Mob.`…). Always split; labels are dropped.
 *  - soft: `/`, a dash with a space beside it, and whitespace. These also occur INSIDE one
 *    number (`089/1234567`, `+49 (0)151 2345 6789`, `020 - 1234567`), so a segment is split at a
 *    soft boundary only when the scorer says the parts read better as separate numbers.
 */

/** Half-open range [start, end) into the normalised field text. */
export interface Span {
  start: number;
  end: number;
}

/** Kind of separator before a group: hard separators always split; the rest are soft. */
export type Boundary = 'hard' | 'slash' | 'dash' | 'space';

const LONG_LABELS =
  'tel(?:ephone|efono|efone|efon|efoon|efax|f)?|t[ée]l[ée]phone|t[ée]l|phone|fax|telefax|' +
  'mob(?:ile|il)?|cell(?:phone)?|gsm|hotline|whatsapp|tlf|tfn|landline|switchboard';
// One- or two-letter labels are only labels when followed by `.` or `:` (`T: 020…`, `M. 07…`).
const SHORT_LABELS = 't|f|m|ph|tf';

/**
 * Hard separators. Labels are matched only at a word start not glued to a digit or dash, so
 * vanity text such as `1-800-FAX-ME` is not mistaken for a label.
 */
const HARD_SEPARATOR = new RegExp(
  '[,;|\\n\\r\\t\\v\\f]+' +
    '|\\/{2,}|\\\\+|&' +
    '|(?<=^|[\\s(])(?:or|o|ou|oder|y|e|et|and|und|ó|или)(?=\\s)' +
    `|(?<=^|[^\\p{L}\\p{N}\\-])(?:${LONG_LABELS})(?:\\s*[.:]|(?=[\\s\\d+(]|$))` +
    `|(?<=^|[^\\p{L}\\p{N}\\-])(?:${SHORT_LABELS})\\s*[.:]`,
  'giu',
);
// Quick test before running the full separator regex.
const MAYBE_HARD = /[,;|\n\r\t\v\f\\&]|\/\/|\p{L}/u;

// Punctuation that carries no meaning at the edge of a segment.
const EDGE_JUNK_START = /^[\s\-.:/_~=]+/;
const EDGE_JUNK_END = /[\s\-.:/_~=]+$/;

function trimSpan(text: string, s: number, e: number): Span {
  const seg = text.slice(s, e);
  const lead = EDGE_JUNK_START.exec(seg);
  const trail = EDGE_JUNK_END.exec(seg);
  const start = s + (lead ? lead[0].length : 0);
  const end = Math.max(start, e - (trail ? trail[0].length : 0));
  return { start, end };
}

/**
 * Segments of `text` between hard separators, trimmed of edge punctuation; empty segments
 * (separator runs, a lone label) are omitted because they hold nothing to report.
 */
export function hardSegments(text: string): Span[] {
  if (!MAYBE_HARD.test(text)) {
    const t = trimSpan(text, 0, text.length);
    return t.end > t.start ? [t] : [];
  }
  const out: Span[] = [];
  let last = 0;
  HARD_SEPARATOR.lastIndex = 0;
  for (let m = HARD_SEPARATOR.exec(text); m !== null; m = HARD_SEPARATOR.exec(text)) {
    if (m[0].length === 0) {
      HARD_SEPARATOR.lastIndex++;
      continue;
    }
    const t = trimSpan(text, last, m.index);
    if (t.end > t.start) out.push(t);
    last = m.index + m[0].length;
  }
  const t = trimSpan(text, last, text.length);
  if (t.end > t.start) out.push(t);
  return out;
}

/** Soft atoms of one segment: `spans[i]` follows a separator of kind `kinds[i]` (kinds[0] unused). */
export interface Atoms {
  spans: Span[];
  kinds: Boundary[];
}

const SOFT_SEPARATOR = /\s*[/]+\s*|\s+-+\s*|\s*-+\s+|\s+/g;
/** More atoms than this and whitespace stops being a split candidate (bounds the O(n²) search). */
export const MAX_ATOMS = 12;

/** Splits a segment at every soft boundary (see module doc). */
export function softAtoms(text: string, seg: Span): Atoms {
  const spans: Span[] = [];
  const kinds: Boundary[] = [];
  const body = text.slice(seg.start, seg.end);
  let last = 0;
  let kind: Boundary = 'hard';
  SOFT_SEPARATOR.lastIndex = 0;
  for (let m = SOFT_SEPARATOR.exec(body); m !== null; m = SOFT_SEPARATOR.exec(body)) {
    if (m.index > last) {
      spans.push({ start: seg.start + last, end: seg.start + m.index });
      kinds.push(kind);
    }
    const sep = m[0];
    kind = sep.includes('/') ? 'slash' : sep.includes('-') ? 'dash' : 'space';
    if (spans.length === 0) kind = 'hard';
    last = m.index + sep.length;
  }
  if (last < body.length) {
    spans.push({ start: seg.start + last, end: seg.end });
    kinds.push(kind);
  }
  if (spans.length > MAX_ATOMS) {
    // Too many atoms: keep only slash/dash boundaries; whitespace joins.
    const ms: Span[] = [];
    const mk: Boundary[] = [];
    for (let i = 0; i < spans.length; i++) {
      if (i > 0 && kinds[i] === 'space') ms[ms.length - 1] = { start: ms[ms.length - 1].start, end: spans[i].end };
      else {
        ms.push(spans[i]);
        mk.push(kinds[i]);
      }
    }
    return { spans: ms, kinds: mk };
  }
  return { spans, kinds };
}

/** Longest digit run accepted as a shared-prefix shorthand (`… 46 80/81/82`, `4222/3/4`). */
export const SHORTHAND_MAX_DIGITS = 4;
const SHORTHAND = /^\d{1,4}$/;

/** True when `s` is a bare 1–4 digit suffix that can only mean "same number, ending in s". */
export function isShorthandText(s: string): boolean {
  return SHORTHAND.test(s);
}

/**
 * Applies a shared-prefix shorthand: replaces the last `suffix.length` digits of the national
 * significant number `nsn`. Returns null when the suffix is not shorter than the number.
 */
export function expandShorthand(nsn: string, suffix: string): string | null {
  if (!isShorthandText(suffix) || suffix.length >= nsn.length) return null;
  return nsn.slice(0, nsn.length - suffix.length) + suffix;
}

/** What the partition search needs to know about one candidate group. */
export interface Scored {
  valid: boolean;
  possible: boolean;
  /** A bare suffix read relative to the previous group (see expandShorthand). */
  shorthand: boolean;
  /** Has at least SUBSTANTIAL_DIGITS digits: reads as a whole number even if not valid. */
  substantial: boolean;
}

/** Digits for a group to count as a complete (if perhaps invalid/outdated) number. */
export const SUBSTANTIAL_DIGITS = 6;

/**
 * May the segment split between adjacent groups `left` and `right` at a boundary of `kind`?
 * - whitespace: only when both sides are valid numbers on their own (`664919647 620841336`),
 *   so a single number written in groups is never torn apart;
 * - slash/dash: when one side is valid and the other is valid, a shorthand, or a complete-
 *   looking number (≥ 6 digits, e.g. an outdated number listed next to a current one). This
 *   keeps `089/1234567` (area code / subscriber) together.
 */
function splitAllowed(kind: Boundary, left: Scored, right: Scored): boolean {
  if (kind === 'hard') return true;
  if (kind === 'space') return left.valid && right.valid && !right.shorthand;
  if (left.valid && (right.valid || right.shorthand || right.substantial)) return true;
  return right.valid && !right.shorthand && left.substantial;
}

/** Necessary condition of splitAllowed that depends only on the left group. */
function leftMaySplit(kind: Boundary, left: Scored): boolean {
  if (kind === 'hard') return true;
  if (kind === 'space') return left.valid;
  return left.valid || left.substantial;
}

/**
 * Ranges [i, j) of atoms between explicit (slash/dash) boundaries: the reading of a segment
 * such as `656422072/620563641` that the caller tries before the full search.
 */
export function explicitGroups(atoms: Atoms): [number, number][] {
  const out: [number, number][] = [];
  let from = 0;
  for (let i = 1; i < atoms.spans.length; i++) {
    if (atoms.kinds[i] === 'slash' || atoms.kinds[i] === 'dash') {
      out.push([from, i]);
      from = i;
    }
  }
  out.push([from, atoms.spans.length]);
  return out;
}

interface DpCell<T> {
  valid: number;
  possible: number;
  groups: number;
  items: T[];
}

function better<T>(a: DpCell<T>, b: DpCell<T> | undefined): boolean {
  if (b === undefined) return true;
  if (a.valid !== b.valid) return a.valid > b.valid;
  if (a.possible !== b.possible) return a.possible > b.possible;
  return a.groups < b.groups;
}

/**
 * Chooses how to group `atoms` into numbers: maximises the count of valid numbers, then of
 * possible ones, then prefers fewer groups (so an unsplittable field stays whole), subject to
 * splitAllowed at each soft boundary. `evaluate(span, prev, boundary)` scores a candidate group
 * given the previous chosen group (needed for shorthand). O(atoms²) evaluations; results that
 * are not shorthand do not depend on `prev` and are memoised.
 */
export function bestPartition<T extends Scored>(
  atoms: Atoms,
  prev0: T | null,
  evaluate: (span: Span, prev: T | null, boundary: Boundary) => T,
): T[] {
  const n = atoms.spans.length;
  const memo = new Map<number, T>();
  const group = (i: number, j: number, prev: T | null): T => {
    const key = i * 64 + j;
    const hit = memo.get(key);
    if (hit !== undefined && !hit.shorthand) return hit;
    const span = { start: atoms.spans[i].start, end: atoms.spans[j - 1].end };
    const r = evaluate(span, prev, i === 0 ? 'hard' : atoms.kinds[i]);
    memo.set(key, r);
    return r;
  };
  const best: (DpCell<T> | undefined)[] = new Array(n + 1);
  best[0] = { valid: 0, possible: 0, groups: 0, items: [] };
  for (let j = 1; j <= n; j++) {
    for (let i = 0; i < j; i++) {
      const from = best[i];
      if (from === undefined) continue;
      const prev = i === 0 ? prev0 : from.items[from.items.length - 1];
      // Left-side precondition of splitAllowed first: skips the parse of hopeless groups.
      if (i > 0 && !leftMaySplit(atoms.kinds[i], prev!)) continue;
      const g = group(i, j, prev);
      if (i > 0 && !splitAllowed(atoms.kinds[i], prev!, g)) continue;
      const cell: DpCell<T> = {
        valid: from.valid + (g.valid ? 1 : 0),
        possible: from.possible + (g.possible ? 1 : 0),
        groups: from.groups + 1,
        items: [...from.items, g],
      };
      if (better(cell, best[j])) best[j] = cell;
    }
  }
  // best[n] always exists: the single group [0, n) has no inner boundary to check.
  return best[n]!.items;
}
