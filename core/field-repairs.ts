/**
 * Repairs that read the text around numbers rather than one number's digits (those are
 * core/repairs.ts): labels become a row's `label`, extension words and lists become `ext`,
 * masked digits and spreadsheet exponent notation get their own verdicts. Used by
 * core/validate.ts when `repairs` is not `none`. Pure.
 */
import type { Checked } from './check-text.ts';
import { failed } from './check-text.ts';
import type { Label, WarningCode } from './codes.ts';
import type { PhoneNumber } from 'libphonenumber-js/max';
import { annotationLabel, EXT_MARKER_BEFORE, labelOfWord } from './labels.ts';
import { formatNationalOf } from './plan-mirror.ts';

/** A copy of `c` with `label` set, unless it has one. */
function withLabel(c: Checked, label: Label): Checked {
  return c.result.label !== null ? c : { ...c, result: { ...c.result, label } };
}

/** Rows [from, end) of `rows` labelled `label` (rows that already have a label keep it). */
export function labelRows(rows: Checked[], label: Label | null, from = 0): void {
  if (label === null) return;
  for (let i = from; i < rows.length; i++) rows[i] = withLabel(rows[i]!, label);
}

/** The canonical label of a separator or annotation as written (`Fax:`, `(mobile)`), or null. */
export function labelOf(text: string | null): Label | null {
  if (text === null) return null;
  return labelOfWord(text.trim()) ?? annotationLabel(text);
}

/** A copy of `c` with one more warning (and its explanation appended to `detail`). */
export function warned(c: Checked, code: WarningCode, detail: string): Checked {
  const result = { ...c.result, warnings: [...c.result.warnings, code] };
  result.detail = result.detail === null ? detail : `${result.detail}; ${detail}`;
  return { ...c, result };
}

/**
 * The rows of a number followed by a list of extensions: the last row of `rows` once per
 * extension, same E.164 (`ext. 21/22` → …0100 ext 21, …0100 ext 22). Rows before it are kept.
 * `input` is the segment as written, extensions included: each extension row's `input` when the
 * segment held that one number.
 */
export function withExtensions(rows: Checked[], exts: readonly string[], input: string): Checked[] {
  const last = rows[rows.length - 1];
  if (last === undefined || exts.length === 0) return rows;
  const out = rows.slice(0, -1);
  for (const ext of exts) out.push(withExt(last, ext, rows.length === 1 ? input : last.result.input));
  return out;
}

/**
 * A copy of `c` with extension `ext`, its national format re-derived (libphonenumber's
 * formatNational writes the extension: `(212) 555-0100 ext. 22`). `input` defaults to c's.
 */
export function withExt(c: Checked, ext: string, input = c.result.input): Checked {
  let pn = c.pn;
  if (pn !== null) {
    pn = Object.assign(Object.create(Object.getPrototypeOf(pn) as object) as PhoneNumber, pn, { ext });
  }
  const national = pn !== null ? formatNationalOf(pn) : c.result.national;
  return { ...c, pn, result: { ...c.result, ext, input, national } };
}

/**
 * Masked digits: a run of two or more `X` (outside a word) or `*`/`•`/`●` that stands where
 * digits would, touching a digit group or one separator away from it (`+49 30 XXXX 567`,
 * `555-01**`, `•••• 1234`). One star is a footnote (`0171 1234567*`) or a USSD code (`*100#`),
 * one bullet a separator (`020•7946•0321`), and `xxx` after an extension marker a placeholder:
 * none of these is a mask. Letters are never read as digits.
 */
const MASK_RUN = /(?<!\p{L})(?:[Xx]{2,}|[*•●∙]{2,})(?!\p{L})/gu;
const DIGIT_BEFORE = /[\dXx*•●∙][\s.()/-]?$/; // a digit, or another mask character (`55X-XXXX`)
const DIGIT_AFTER = /^[\s.()/-]?\d/;

/** True when `text` (one segment, normalised) hides digits behind mask characters. */
export function isMasked(text: string): boolean {
  MASK_RUN.lastIndex = 0;
  for (let m = MASK_RUN.exec(text); m !== null; m = MASK_RUN.exec(text)) {
    const before = text.slice(0, m.index);
    if (EXT_MARKER_BEFORE.test(before)) continue;
    if (DIGIT_BEFORE.test(before) || DIGIT_AFTER.test(text.slice(m.index + m[0].length))) return true;
  }
  return false;
}

/** The MASKED row of a segment. */
export function maskedRow(input: string, digits: number): Checked {
  return failed(
    input,
    'MASKED',
    'digits are masked (X, * or •): the number cannot be read; mask characters are never turned into digits',
    digits,
  );
}

/**
 * Brazil's written carrier-code slot: `0xx11 98765-4321` or `(0XX11)`, where `xx` stands for
 * the carrier selection code the caller dials (ANATEL's national dialling format).
 */
const BR_CARRIER_SLOT = /^(\(?\s*0)\s*[xX]{2}\s*(?=\(?\s*\d)/;

/** `text` with Brazil's `0xx` carrier slot reduced to the trunk `0`, or null when it has none. */
export function withoutCarrierSlot(text: string): string | null {
  const m = BR_CARRIER_SLOT.exec(text);
  return m === null ? null : m[1] + text.slice(m[0].length);
}

/**
 * Spreadsheet exponent notation of an integer: `4.930123456E+10`, `4,93012E+10`. Group 1: the
 * first digit, 2: the decimals, 3: the exponent.
 */
const EXPONENT = /^\s*\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})\s*$/;

/**
 * Significant digits a spreadsheet shows in exponent notation by default (Excel and LibreOffice
 * "General": `4.93012E+10`). A mantissa with more was written at full precision, so the
 * missing low digits are zeros; one with this many or fewer may have been rounded.
 */
const DISPLAY_DIGITS = 6;

/**
 * Reads spreadsheet exponent notation, from the text and never through a float:
 * `{digits}` when the mantissa holds every significant digit, `{lost: true}` when digits were
 * rounded away, null when `text` is not exponent notation of an integer.
 */
export function expandExponent(text: string): { digits: string } | { lost: true } | null {
  const m = EXPONENT.exec(text);
  if (m === null) return null;
  const mantissa = m[1]! + (m[2] ?? '');
  const total = Number(m[3]) + 1;
  if (mantissa.length > total) return null; // not an integer: 4.93E+1 is 49.3
  if (mantissa.length === total || mantissa.length > DISPLAY_DIGITS) {
    return { digits: mantissa + '0'.repeat(total - mantissa.length) };
  }
  return { lost: true };
}

/** The SPREADSHEET_PRECISION_LOST row of a field. */
export function precisionLostRow(input: string): Checked {
  return failed(
    input,
    'SPREADSHEET_PRECISION_LOST',
    'spreadsheet exponent notation that lost digits (the mantissa is rounded): the number cannot be recovered; export the column as text',
    0,
  );
}
