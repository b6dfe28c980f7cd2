/**
 * Checking one piece of text that holds at most one number: one libphonenumber parse, then every
 * verdict from the parsed number (core/plan-mirror.ts), never a re-parse on the valid path.
 * Pure, no I/O. Used by the field validator (core/validate.ts).
 */
import { parsePhoneNumberWithError, ParseError, type PhoneNumber } from 'libphonenumber-js/max';
import type { CheckResult, ErrorReason, Region } from './types.ts';
import type { RepairCode, WarningCode } from './codes.ts';
import { countDigits } from './normalize.ts';
import { phoneNumberOf, regionsForCallingCode } from './metadata.ts';
import { type InternationalReading, readInternational, readNational } from './fastpath.ts';
import { formatNationalOf, lengthOf, nationalPrefixOf, verdictOf } from './plan-mirror.ts';
import { expandShorthand, SUBSTANTIAL_DIGITS, type Scored } from './split.ts';

/** Regions sharing a country calling code (e.g. 44 → GB, GG, IM, JE); none for an unknown code. */
function regionsOf(cc: string): readonly string[] {
  return regionsForCallingCode(cc) ?? [];
}

/** A result plus what the splitter and shorthand expansion need. */
export interface Checked extends Scored {
  result: CheckResult;
  pn: PhoneNumber | null;
  /** Start of the row's span in the normalised field text (-1 until placed). */
  at: number;
  /** The normalised text that was read (what the repairs of core/repairs.ts re-read). */
  text: string;
}

/**
 * libphonenumber parse calls made so far by this module (all fields). Diagnostic for tests
 * that bound validateField's work: see parseCount.
 */
let parses = 0;

/** Total libphonenumber parse calls made by this module since load (for work-bound tests and budgets). */
export function parseCount(): number {
  return parses;
}

// Most rows have no repair and no warning: one frozen empty list each, not two arrays per row.
const NO_REPAIRS: readonly RepairCode[] = Object.freeze([]);
const NO_WARNINGS: readonly WarningCode[] = Object.freeze([]);

const ERROR_REASONS: ReadonlySet<string> = new Set([
  'TOO_SHORT',
  'TOO_LONG',
  'INVALID_COUNTRY',
  'NOT_A_NUMBER',
  'INVALID_LENGTH',
]);

/** A row for text that holds no number: `error`, `detail`, and how many digits it had. */
export function failed(input: string, error: ErrorReason, detail: string, digits: number): Checked {
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
      label: null,
      repairs: NO_REPAIRS,
      warnings: NO_WARNINGS,
      emergency: null,
      carrierCode: null,
    },
    pn: null,
    valid: false,
    possible: false,
    shorthand: false,
    substantial: digits >= SUBSTANTIAL_DIGITS,
    at: -1,
    text: input,
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
  if (pn.country && (valid || regionsOf(pn.countryCallingCode).length === 1)) return pn.country;
  const regions = regionsOf(pn.countryCallingCode).filter((r) => r !== '001');
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
  let verdict = verdictOf(pn);
  if (verdict === undefined) {
    // A second trunk 0 after the country code ("+27 (0) 035 450 8200"): libphonenumber strips
    // one national prefix; drop another only if that turns an invalid number into a valid one.
    const fixed = retryWithoutTrunkPrefix(pn, text);
    if (fixed !== null) {
      pn = fixed;
      verdict = verdictOf(pn);
    }
  }
  const valid = verdict !== undefined;
  const type = verdict ?? undefined;
  const length = lengthOf(pn);
  const possible = length === 'IS_POSSIBLE';
  let error: ErrorReason | null = null;
  let detail: string | null = null;
  if (!possible) {
    error = length;
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
      // An E.164 only for a number that can exist: "911" in the US is not "+1911" (a key a
      // data team would load). What was seen stays in `national` and `detail`.
      e164: valid || possible ? (pn.number as string) : null,
      region: regionOut as Region | null,
      type: valid ? (type ?? null) : null,
      ext: pn.ext ?? null,
      national: formatNationalOf(pn),
      error,
      detail,
      label: null,
      repairs: NO_REPAIRS,
      warnings: NO_WARNINGS,
      emergency: null,
      carrierCode: null,
    },
    pn,
    valid,
    possible,
    shorthand,
    substantial: nsn.length >= SUBSTANTIAL_DIGITS,
    at: -1,
    text,
  };
}

function retryWithoutTrunkPrefix(pn: PhoneNumber, text: string): PhoneNumber | null {
  const nn = pn.nationalNumber as string;
  const np = nationalPrefixOf(pn);
  if (!np || !nn.startsWith(np) || nn.length <= np.length + 3) return null;
  if (!/^\s*\(?\s*\+/.test(text)) return null; // only for numbers written with "+cc"
  parses++;
  try {
    const alt = parsePhoneNumberWithError('+' + pn.countryCallingCode + nn.slice(np.length));
    if (pn.ext) alt.setExt(pn.ext);
    return verdictOf(alt) !== undefined ? alt : null;
  } catch {
    return null;
  }
}

/**
 * Text that libphonenumber reads exactly as `+` and its digits: a `+`, then digits grouped only
 * by spaces, dashes, dots and parentheses (its VALID_PUNCTUATION; no extension, no letters).
 */
const PLAIN_INTERNATIONAL = /^\+\d[\d .()-]*$/;
const NOT_DIGIT = /\D/g;

/**
 * The reading of `+digits` text when the compiled classifier (core/fastpath.ts) finds it valid:
 * the region it names is the one libphonenumber attributes the number to, with the same
 * national significant number (the classifier's contract, proven by test/unit/fastpath.test.ts
 * and bench/differential.ts), so the verdicts are those of a parse, without the parse. An
 * invalid number is read the same way when the reader knows the PhoneNumber parse() would
 * return (InternationalReading's `parsedAs`). null when the text is not that shape or the
 * reading is not known (the caller then parses).
 */
function fastInternational(text: string, input: string, region: Region | undefined): Checked | null {
  if (text.length > MAX_INPUT_LENGTH || !PLAIN_INTERNATIONAL.test(text)) return null;
  const digits = text.replace(NOT_DIGIT, '');
  return fromReading(readInternational(digits), digits, input, text, region);
}

/**
 * National-format text libphonenumber reads as its digits alone: digits grouped by the same
 * punctuation, an optional opening `(` (parse starts at the first digit: extractFormattedPhoneNumber.js).
 */
const PLAIN_NATIONAL = /^\(?\d[\d .()-]*$/;
/** parse.js MAX_INPUT_STRING_LENGTH: longer text is TOO_LONG before any digit is read. */
const MAX_INPUT_LENGTH = 250;

/**
 * The same for text in national format with a default region (readNational in
 * core/fastpath.ts mirrors parse(text, region), IDD included). null when the text is not that
 * shape or the reading is not known (the caller then parses).
 */
function fastNational(text: string, input: string, region: Region | undefined): Checked | null {
  if (region === undefined || text.length > MAX_INPUT_LENGTH || !PLAIN_NATIONAL.test(text)) return null;
  const digits = text.replace(NOT_DIGIT, '');
  return fromReading(readNational(region, digits), digits, input, text, region);
}

/**
 * The row of a fast reading of `text` (its ASCII `digits`): the PhoneNumber parse() would
 * return, built without a parse. An invalid reading needs 3 digits: with fewer, punctuation
 * makes the text not viable (isViablePhoneNumber.js) and parse() throws TOO_SHORT.
 */
function fromReading(
  read: InternationalReading,
  digits: string,
  input: string,
  text: string,
  region: Region | undefined,
): Checked | null {
  const at = read.kind === 'valid' ? read : read.kind === 'invalid' && digits.length >= 3 ? read.parsedAs : undefined;
  return at === undefined ? null : fromParsed(phoneNumberOf(at.region, at.nsn), input, text, region, false);
}

/** Parses letter-free `text` (already normalised) once and builds the result. Never throws. */
export function checkText(text: string, input: string, region: Region | undefined): Checked {
  return (
    fastInternational(text, input, region) ?? fastNational(text, input, region) ?? parsedCheck(text, input, region)
  );
}

/**
 * {@link checkText} through parse() alone, without the fast readers: what they must equal
 * (test/unit/fastpath.test.ts).
 */
export function parsedCheck(text: string, input: string, region: Region | undefined): Checked {
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
    const row = failed(input, reason, parseErrorDetail(reason, region), countDigits(text));
    row.text = text;
    return row;
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
export function checkShorthand(text: string, input: string, prev: Checked, region: Region | undefined): Checked | null {
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
