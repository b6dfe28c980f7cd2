/**
 * Text and region normalisation for the phone core. Pure functions, no I/O.
 *
 * libphonenumber-js only understands ASCII digits plus a handful of Unicode digit sets and
 * punctuation; published data contains NBSP/narrow spaces, en/em dashes, minus signs,
 * fullwidth forms, other digit scripts and zero-width characters. These are mapped here,
 * character by character, so every position in the normalised text can be traced back to
 * the substring of the raw field it came from (results report `input` as written).
 */
import { isKnownRegion } from './metadata.ts';
import type { Region } from './types.ts';

/** Normalised text plus, per UTF-16 unit of `text`, the raw span it came from. */
export interface NormalizedText {
  text: string;
  /** Raw start offset per unit of `text`; null means identity (text === raw). */
  start: number[] | null;
  /** Raw end offset (exclusive) per unit of `text`; null means identity. */
  end: number[] | null;
}

// Printable ASCII needs no mapping: the common case skips the per-character walk.
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
// Spaces that NFKC leaves alone or that we want as a plain space (NBSP, thin, narrow, ideographic…).
const SPACE_LIKE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;
// Unicode default-ignorable code points (DerivedCoreProperties.txt: zero-width spaces and
// joiners, BOM, soft hyphen, bidi controls, variation selectors, Hangul fillers, tags): dropped
// BEFORE NFKC, since NFKC maps some of them (U+3164 Hangul filler → U+1160) to letters.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u180e]/u;
// Dash punctuation (Unicode Pd: hyphen, en/em dash, fullwidth hyphen…) and the minus sign.
const DASH_LIKE = /[\p{Pd}\u2212\u2796\ufe63\uff0d]/u;
// Slashes NFKC does not fold (fraction slash, division slash).
const SLASH_LIKE = /[\u2044\u2215\u29f8]/u;
const LINE_SEP = /[\u2028\u2029\u0085]/u;
const DECIMAL_DIGIT = /\p{Nd}/u;

const digitCache = new Map<number, string>();

/**
 * ASCII value of any Unicode decimal digit (General_Category Nd). Unicode guarantees Nd
 * characters come in contiguous runs of ten, ascending from zero, so the value is the
 * distance from the start of the run modulo 10. NFKC only folds fullwidth/mathematical
 * digits; Arabic-Indic, Devanagari, Thai, etc. need this.
 */
function asciiDigit(cp: number): string {
  const hit = digitCache.get(cp);
  if (hit !== undefined) return hit;
  let first = cp;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(first - 1))) first--;
  const d = String((cp - first) % 10);
  digitCache.set(cp, d);
  return d;
}

/** Maps one already-NFKC'd code point to its phone-parsing equivalent ('' to drop it). */
function mapFolded(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x30 && cp <= 0x39) return ch;
  if (cp < 0x80) return ch;
  if (DECIMAL_DIGIT.test(ch)) return asciiDigit(cp);
  if (SPACE_LIKE.test(ch)) return ' ';
  if (INVISIBLE.test(ch)) return ''; // NFKC output that is ignorable
  if (DASH_LIKE.test(ch)) return '-';
  if (SLASH_LIKE.test(ch)) return '/';
  if (LINE_SEP.test(ch)) return '\n';
  return ch;
}

/**
 * In this order, per code point: drops Unicode default-ignorable code points, NFKC-normalises,
 * then maps Unicode spaces, dashes, slashes and decimal digits of any script (`\p{Nd}`) to ASCII. Normalisation is done per code point (phone
 * text has no meaningful combining sequences), which keeps an exact offset map back to `raw`.
 * Never throws.
 */
export function normalizeText(raw: string): NormalizedText {
  if (PLAIN_ASCII.test(raw)) return { text: raw, start: null, end: null };
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < raw.length;) {
    const cp = raw.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const unit = raw.slice(i, i + len);
    const folded = cp < 0x80 ? unit : INVISIBLE.test(unit) ? '' : unit.normalize('NFKC');
    for (const ch of folded) {
      const out = mapFolded(ch);
      for (let k = 0; k < out.length; k++) {
        start.push(i);
        end.push(i + len);
      }
      text += out;
    }
    i += len;
  }
  return { text, start, end };
}

/** The raw substring behind normalised units [s, e). */
export function rawSlice(raw: string, n: NormalizedText, s: number, e: number): string {
  if (n.start === null || n.end === null) return raw.slice(s, e);
  if (e <= s) return '';
  return raw.slice(n.start[s], n.end[e - 1]);
}

/** Common non-ISO aliases users type for a region. */
const REGION_ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

/**
 * Normalises a user-supplied default region: trims, upper-cases, maps aliases (`UK` → `GB`,
 * `EL` → `GR`, the EU's code for Greece). Returns undefined for empty input or any code the
 * libphonenumber /max metadata does not know; the number is then parsed with no default region,
 * so national-format input reports `INVALID_COUNTRY` (libphonenumber's own verdict). Never throws.
 */
export function normalizeRegion(region?: string | null): Region | undefined {
  if (region === undefined || region === null) return undefined;
  let r = String(region).trim().toUpperCase();
  if (r === '') return undefined;
  r = REGION_ALIASES[r] ?? r;
  return isKnownRegion(r) ? r : undefined;
}

/** ITU-T E.161 keypad letters; used only to describe (not convert) vanity numbers. */
const E161: Readonly<Record<string, string>> = {
  A: '2',
  B: '2',
  C: '2',
  D: '3',
  E: '3',
  F: '3',
  G: '4',
  H: '4',
  I: '4',
  J: '5',
  K: '5',
  L: '5',
  M: '6',
  N: '6',
  O: '6',
  P: '7',
  Q: '7',
  R: '7',
  S: '7',
  T: '8',
  U: '8',
  V: '8',
  W: '9',
  X: '9',
  Y: '9',
  Z: '9',
};

/** Keypad digits for an ASCII vanity string (`FLOWERS` → `3569377`); other characters kept. */
export function e161Digits(s: string): string {
  let out = '';
  for (const ch of s) out += E161[ch.toUpperCase()] ?? ch;
  return out;
}

/** The ASCII digits 0–9 in `s` from `start` to `end` (UTF-16 offsets; default the whole string). */
export function countDigits(s: string, start = 0, end = s.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
