/**
 * Splitting a raw phone field into the numbers it holds. Pure, no I/O, no libphonenumber calls:
 * the decision of where a field splits is driven by a scorer the caller injects (validate.ts
 * parses each candidate group), so this module only knows the lexical shapes.
 *
 * Two kinds of separator:
 *  - hard: `,` `;` `|` tab/newline, `//`, `\`, `&`, the words or/o/ou/oder/y/e/et/and/und,
 *    and labels (`Tel:`, `Fax`, `Mob.`…). Always split; labels are dropped. A `;` that starts an
 *    RFC 3966 `ext` or `isub` parameter (`tel:+1-212-555-0100;ext=7`) is not a separator: the
 *    URI is one number.
 *  - soft: `/`, a dash with a space beside it, and whitespace. These also occur INSIDE one
 *    number (`089/1234567`, `+49 (0)151 2345 6789`, `020 - 1234567`), so a segment is split at a
 *    soft boundary only when the scorer says the parts read better as separate numbers.
 */

import { LONG_LABELS, SHORT_LABELS } from './labels.ts';
import { countDigits } from './normalize.ts';

/** Half-open range [start, end) into the normalised field text. */
export interface Span {
  start: number;
  end: number;
}

/** Kind of separator before a group: hard separators always split; the rest are soft. */
export type Boundary = 'hard' | 'slash' | 'dash' | 'space';

const HARD_SEPARATOR_SOURCE =
  '(?:[,|\\n\\r\\t\\v\\f]|;(?!(?:ext|isub)=))+' +
  '|\\/{2,}|\\\\+|&' +
  '|(?<=^|[\\s(])(?:or|o|ou|oder|y|e|et|and|und|ó|или)(?=\\s)' +
  `|(?<=^|[^\\p{L}\\p{N}\\-])(?:${LONG_LABELS})(?:\\s*[.:]|(?=[\\s\\d+(]|$))` +
  `|(?<=^|[^\\p{L}\\p{N}\\-])(?:${SHORT_LABELS})\\s*[.:]`;
/**
 * Hard separators. Labels are matched only at a word start not glued to a digit or dash, so
 * vanity text such as `1-800-FAX-ME` is not mistaken for a label.
 */
const HARD_SEPARATOR = new RegExp(HARD_SEPARATOR_SOURCE, 'giu');
/**
 * The same, plus a label glued to the digits before it when a colon follows
 * (`Tel:+49 30 1234567Fax:+49 30 1234568`, `T:0612345678F:0612345679`; a one-letter label only
 * with its colon): used when repairs are on (ValidateOptions).
 */
const HARD_SEPARATOR_GLUED = new RegExp(
  `${HARD_SEPARATOR_SOURCE}|(?<=\\d)(?:${LONG_LABELS}|${SHORT_LABELS})\\s*:`,
  'giu',
);
// Quick test before running the full separator regex.
const MAYBE_HARD = /[,;|\n\r\t\v\f\\&]|\/\/|\p{L}/u;
const LETTER = /\p{L}/u;
const CONNECTOR = /^(?:or|o|ou|oder|y|e|et|and|und|ó|или)$/iu;

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

/** A hard segment, with the label words of the separators around it (`Fax:` → `Fax:`). */
export interface Segment extends Span {
  /** The label separator right before the segment, as written; null when there is none. */
  label: string | null;
  /** A label separator after the last segment with nothing after it (`0171 1234567 mobil`). */
  trailingLabel: string | null;
}

function labelText(sep: string): string | null {
  const t = sep.trim();
  return LETTER.test(t) && !CONNECTOR.test(t) ? t : null;
}

/**
 * Segments of `text` between hard separators, trimmed of edge punctuation; empty segments
 * (separator runs, a lone label) are omitted because they hold nothing to report. `glued`
 * also splits at a label glued to the digits before it (HARD_SEPARATOR_GLUED).
 */
export function hardSegments(text: string, glued = false): Segment[] {
  if (!MAYBE_HARD.test(text)) {
    const t = trimSpan(text, 0, text.length);
    return t.end > t.start ? [{ ...t, label: null, trailingLabel: null }] : [];
  }
  const out: Segment[] = [];
  const re = glued ? HARD_SEPARATOR_GLUED : HARD_SEPARATOR;
  let last = 0;
  let label: string | null = null;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const t = trimSpan(text, last, m.index);
    if (t.end > t.start) {
      out.push({ ...t, label, trailingLabel: null });
      label = null;
    }
    // A label names the numbers after it; a separator without one (`,`) ends the label's reach.
    label = labelText(m[0]) ?? (/^[\s]*$/.test(m[0]) ? label : null);
    last = m.index + m[0].length;
  }
  const t = trimSpan(text, last, text.length);
  if (t.end > t.start) out.push({ ...t, label, trailingLabel: null });
  else if (label !== null && out.length > 0) out[out.length - 1]!.trailingLabel = label;
  return out;
}

/**
 * Soft atoms of one segment: `spans[i]` follows a separator of kind `kinds[i]` (kinds[0] unused);
 * `digits[i]` is the count of ASCII digits in `spans[i]`.
 */
export interface Atoms {
  spans: Span[];
  kinds: Boundary[];
  digits: number[];
}

const SOFT_SEPARATOR = /\s*[/]+\s*|\s+-+\s*|\s*-+\s+|\s+/g;
/** More atoms than this and whitespace stops being a split candidate (keeps the search small). */
const MAX_ATOMS = 12;

/** Splits a segment at every soft boundary (see module doc). Linear in the segment length. */
export function softAtoms(text: string, seg: Span): Atoms {
  let spans: Span[] = [];
  let kinds: Boundary[] = [];
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
      if (i > 0 && kinds[i] === 'space') ms[ms.length - 1] = { start: ms[ms.length - 1]!.start, end: spans[i]!.end };
      else {
        ms.push(spans[i]!);
        mk.push(kinds[i]!);
      }
    }
    spans = ms;
    kinds = mk;
  }
  return { spans, kinds, digits: spans.map((sp) => countDigits(text, sp.start, sp.end)) };
}

/** Longest digit run accepted as a shared-prefix shorthand (`… 46 80/81/82`, `4222/3/4`). */
const SHORTHAND_MAX_DIGITS = 4;
const SHORTHAND = new RegExp(`^\\d{1,${SHORTHAND_MAX_DIGITS}}$`);

/**
 * True when `s` is a bare 1–4 digit suffix. It is read as "same number, ending in s" only when
 * it follows a number in the same segment with `/` between them (see bestPartition).
 */
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
 * Most digits a group spanning several atoms may hold and still be tried as ONE number:
 * libphonenumber's 17-digit national-number maximum plus room for an IDD prefix (`0011`), a
 * calling code and a trunk `(0)`. Longer runs of `/`- or dash-separated parts are never glued
 * into one (certainly TOO_LONG) number; they are reported part by part.
 */
export const MAX_GROUP_DIGITS = 25;
/** Most atoms a multi-atom candidate group may span (bounds the search per atom). */
const MAX_GROUP_ATOMS = 16;

/**
 * May the segment split between adjacent groups `left` and `right` at a boundary of `kind`?
 * - whitespace: only when both sides are valid numbers on their own (`664919647 620841336`),
 *   so a single number written in groups is never torn apart;
 * - slash/dash after a valid number: always. Whatever follows (a shorthand, another number, an
 *   outdated number, a stray short token) is its own row, never glued onto the valid number.
 * - slash/dash after a non-valid group: only when the right side is a valid number and the left
 *   a complete-looking one (≥ 6 digits, e.g. an outdated number listed next to a current one).
 *   This keeps `089/1234567` (area code / subscriber) together.
 */
function splitAllowed(kind: Boundary, left: Scored, right: Scored): boolean {
  if (kind === 'hard') return true;
  if (kind === 'space') return left.valid && right.valid && !right.shorthand;
  if (left.valid) return true;
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
 * such as `656422072/620563641` that the caller tries before the full search, and falls back
 * to when the search finds no reading or runs out of budget.
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

/** Best reading of atoms [0, j): totals plus a back-pointer (no per-cell list copies). */
interface DpCell<T> {
  valid: number;
  possible: number;
  groups: number;
  last: T;
  from: number;
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
 * given the previous group of the same reading (needed for shorthand; null for the first), or
 * returns null when the caller's work budget is spent.
 *
 * Candidate groups [i, j): a single atom; a run of explicit-boundary-free atoms (an
 * explicitGroups range); or at most MAX_GROUP_ATOMS atoms holding at most MAX_GROUP_DIGITS
 * digits. So each atom starts O(MAX_GROUP_ATOMS) candidates and the search is linear in the
 * atom count. Results that are not shorthand do not depend on `prev` and are memoised.
 *
 * Returns null when the budget ran out or no reading satisfies splitAllowed (a long list of
 * parts that cannot be one number); the caller then reports the explicit groups one by one.
 */
export function bestPartition<T extends Scored>(
  atoms: Atoms,
  evaluate: (span: Span, prev: T | null, boundary: Boundary) => T | null,
): T[] | null {
  const n = atoms.spans.length;
  const memo = new Map<number, T>();
  const group = (i: number, j: number, prev: T | null): T | null => {
    const key = i * (n + 1) + j; // unique for any n (was i*64+j: collided past 64 atoms)
    const hit = memo.get(key);
    if (hit !== undefined && !hit.shorthand) return hit;
    const span = { start: atoms.spans[i]!.start, end: atoms.spans[j - 1]!.end };
    const r = evaluate(span, prev, i === 0 ? 'hard' : atoms.kinds[i]!);
    if (r !== null) memo.set(key, r);
    return r;
  };
  const explicit = (k: Boundary) => k === 'slash' || k === 'dash';
  const best: (DpCell<T> | undefined)[] = new Array(n + 1);
  const top = { valid: 0, possible: 0, groups: 0, from: -1 };
  let groupStart = 0; // first atom of the explicit group containing atom j-1
  for (let j = 1; j <= n; j++) {
    if (j > 1 && explicit(atoms.kinds[j - 1]!)) groupStart = j - 1;
    const closesGroup = j === n || explicit(atoms.kinds[j]!);
    let digits = 0;
    for (let i = j - 1; i >= 0; i--) {
      digits += atoms.digits[i]!;
      const short = j - i === 1 || (j - i <= MAX_GROUP_ATOMS && digits <= MAX_GROUP_DIGITS);
      const whole = closesGroup && i === groupStart;
      if (!short && !whole) {
        if (i < groupStart || j - i > MAX_GROUP_ATOMS) {
          // Only the explicit group [groupStart, j) can remain a candidate further left.
          if (closesGroup && groupStart < i) i = groupStart + 1;
          else break;
        }
        continue;
      }
      const from = i === 0 ? top : best[i];
      if (from === undefined) continue;
      const prev = i === 0 ? null : (from as DpCell<T>).last;
      // Left-side precondition of splitAllowed first: skips the parse of hopeless groups.
      if (i > 0 && !leftMaySplit(atoms.kinds[i]!, prev!)) continue;
      const g = group(i, j, prev);
      if (g === null) return null;
      if (i > 0 && !splitAllowed(atoms.kinds[i]!, prev!, g)) continue;
      const cell: DpCell<T> = {
        valid: from.valid + (g.valid ? 1 : 0),
        possible: from.possible + (g.possible ? 1 : 0),
        groups: from.groups + 1,
        last: g,
        from: i,
      };
      if (better(cell, best[j])) best[j] = cell;
    }
  }
  if (best[n] === undefined) return null;
  const out: T[] = [];
  for (let j = n; j > 0; j = best[j]!.from) out.push(best[j]!.last);
  return out.reverse();
}

/**
 * How many parts the text from `from` on holds: hard segments, each counted by its explicit
 * (`/`, spaced dash) groups. Linear; used to describe a remainder that was not validated.
 */
export function countParts(text: string, from: number): number {
  const rest = text.slice(from);
  let n = 0;
  for (const seg of hardSegments(rest)) n += explicitGroups(softAtoms(rest, seg)).length;
  return n;
}
