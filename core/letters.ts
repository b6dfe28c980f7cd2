/**
 * Letters in a phone field: a run of words is its own NOT_A_NUMBER row, and letters glued to
 * digits (vanity numbers such as 1-800-FLOWERS) are rejected with their keypad reading, never
 * converted or truncated. Labels and extensions are core/labels.ts. Pure.
 */
import { e161Digits } from './normalize.ts';
import { failed, type Checked } from './check-text.ts';

/** Any letter, in any script. */
export const HAS_LETTER = /\p{L}/u;
/** Any ASCII digit. */
export const DIGIT = /\d/;

const VANITY_SHAPE = /^\+?[\d(][\d\s().-]*[A-Za-z][A-Za-z\d\s().-]*$/;

/** Why a letters-and-digits string is rejected; vanity-shaped text gets its keypad reading. */
export function vanityDetail(text: string): string {
  const letters = (text.match(/\p{L}+/gu) ?? []).map((l) => `"${l}"`).join(', ');
  if (VANITY_SHAPE.test(text)) {
    return `vanity number: letters ${letters} are not converted to digits (E.161 keypad would read ${e161Digits(text)}); rejected rather than stored as a truncated number`;
  }
  return `"${text}" mixes letters ${letters} with digits: not a phone number (letters are never dropped or converted)`;
}

/** The row of a run of words: text, not a number. */
export function textRow(input: string): Checked {
  return failed(input, 'NOT_A_NUMBER', `"${input.trim()}" is text, not a phone number`, 0);
}
