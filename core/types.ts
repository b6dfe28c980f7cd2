/**
 * Shared vocabulary of the phone-number core. Pure types, no I/O.
 * Terms follow ITU-T E.164 and libphonenumber: a number is a country calling code plus a
 * national significant number (NSN); a region is an ISO 3166-1 alpha-2 code.
 */
import type { CountryCode, NumberType as LibNumberType } from 'libphonenumber-js/max';
import type { ErrorCode, Label, RepairCode, WarningCode } from './codes.ts';

/** libphonenumber number types (`getType()`), e.g. `MOBILE`, `FIXED_LINE_OR_MOBILE`. */
export type NumberType = NonNullable<LibNumberType>;

export const NUMBER_TYPES: readonly NumberType[] = [
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

export type Region = CountryCode;

/** How numbers are chosen: see batches/spec.ts GenerateModeSchema for what each mode means. */
export type GenerateMode = 'fictional' | 'random' | 'range';

/**
 * What to generate, as the core reads it. The batch spec's `generate` block (batches/spec.ts)
 * has exactly this shape; that file checks so at compile time.
 */
export interface GenerateRequest {
  /** ISO 3166-1 alpha-2, upper case. */
  region: string;
  mode?: GenerateMode;
  count: number;
  numberType?: NumberType;
  /** Leading digits of the national significant number (NANP: NPA area codes). */
  areaCodes?: string[];
  /** range mode: the owned block as an E.164 prefix. */
  prefix?: string;
  seed?: string;
}

/**
 * Why a number is not valid: libphonenumber's parse errors (`parsePhoneNumberWithError`) and
 * length verdicts (`validatePhoneNumberLength`), then the validator's own (core/codes.ts
 * ERROR_CODES). null when the number parsed and its length is possible.
 */
export type ErrorReason = ErrorCode;

/**
 * How far the validator goes to read messy input (core/repairs.ts; codes in core/codes.ts):
 * `none` is libphonenumber's reading of the text as split, `safe` (default) applies repairs the
 * field itself proves and warns about the rest, `all` also applies repairs that are likely but
 * not proven (a lost leading zero, a fixed-rule renumbering).
 */
export type RepairMode = 'none' | 'safe' | 'all';

export const REPAIR_MODES: readonly RepairMode[] = ['none', 'safe', 'all'] as const;

/** Options of validateField (core/validate.ts). Every field is optional. */
export interface ValidateOptions {
  /** Default `safe`. */
  repairs?: RepairMode;
  /**
   * Area code (national destination code, digits, no trunk prefix) for subscriber numbers
   * written without one, e.g. `30` for Berlin. Without it such numbers are LOCAL_NUMBER.
   */
  defaultAreaCode?: string;
  /**
   * The field came from a numeric spreadsheet column, so a leading zero may have been lost:
   * restore it as under `repairs: all` (repair `leading_zero_restored`).
   */
  numericSource?: boolean;
}

/** One number found in a raw field, validated and normalised. */
export interface CheckResult {
  /** The part of the raw field this result is about, as written (after splitting). */
  input: string;
  /** libphonenumber `isValid()` under the /max metadata. */
  valid: boolean;
  /** libphonenumber `isPossible()` (length check only). */
  possible: boolean;
  /** E.164 form, `+` then digits; null when the input did not parse. */
  e164: string | null;
  /** Region the number belongs to (not the default region it was parsed with). */
  region: Region | null;
  type: NumberType | null;
  /** Extension digits, without the `ext.` marker. */
  ext: string | null;
  /** National format, e.g. `020 7946 0123`. */
  national: string | null;
  error: ErrorReason | null;
  /**
   * Human-readable explanation when the result is not valid (e.g. why letters were rejected),
   * or of its warnings when it is.
   */
  detail: string | null;
  /** What the field said this number is (`Fax:`, `(mobile)`, `WhatsApp`), canonical; see core/labels.ts. */
  label: Label | null;
  /** Repair codes (core/codes.ts), in the order applied: what was changed to reach this reading. */
  repairs: readonly RepairCode[];
  /** Warning codes (core/codes.ts): doubts a person should look at. */
  warnings: readonly WarningCode[];
  /** SHORT_NUMBER only: whether the short number is an emergency number of the region. */
  emergency: boolean | null;
  /** Carrier selection code removed from the input (Brazil, Colombia…), digits. */
  carrierCode: string | null;
}

/** One generated number. `seq` is its 0-based position in the batch (the permutation index). */
export interface GeneratedNumber {
  seq: number;
  e164: string;
  region: Region;
  type: NumberType | null;
  valid: boolean;
}
