/**
 * Every repair code, warning code and label a result row can carry: one table each, with what
 * it means and an example input, read by the validator (core/repairs.ts), the summary, the API
 * document and the README (test/unit/codes.test.ts checks the README lists every code). Pure.
 */

/** A repair: what was changed in the input to reach the reading reported. */
export const REPAIR_CODES = {
  plus_added: {
    meaning: 'Digits that start with a country calling code were read as international (a "+" was missing).',
    example: '`33 (0)1 42 68 53 00` (default US) → `+33142685300`',
  },
  idd_assumed: {
    meaning:
      'An international (IDD) prefix of another region was read as one (`00` dialled from a region whose own is `011`).',
    example: '`00 33 1 42 68 53 00` (default CA) → `+33142685300`',
  },
  carrier_code_removed: {
    meaning:
      'A carrier selection code after the trunk or international prefix was removed (reported in `carrierCode`).',
    example: '`0 21 11 98765-4321` (default BR) → `+5511987654321`, carrierCode `21`',
  },
  spreadsheet_exponent: {
    meaning: 'Spreadsheet exponent notation holding every digit was expanded, exactly, from the text.',
    example: '`4.930123456E+10` (default DE) → `+4930123456`… read as `49301234560`',
  },
  leading_zero_restored: {
    meaning:
      'A leading trunk zero a numeric spreadsheet column dropped was restored (only with `repairs: all` or `numericSource`).',
    example: '`612345678` (default IT) → `+390612345678`',
  },
  area_code_added: {
    meaning: "The spec's `defaultAreaCode` was put in front of a subscriber number written without one.",
    example: '`123 4567` (default DE, defaultAreaCode `30`) → `+49301234567`',
  },
  renumbered: {
    meaning:
      "A number in a plan's replaced format was rewritten by the regulator's fixed rule (only with `repairs: all`).",
    example: '`97 12 34 56` (default BJ) → `+2290197123456`',
  },
} as const satisfies Record<string, { meaning: string; example: string }>;

/** A warning: the reading may be wrong, or something in the field was set aside. */
export const WARNING_CODES = {
  possible_missing_plus: {
    meaning:
      'Valid as written in the default region, and also valid read as international; `detail` names the other E.164.',
    example: '`4930 1234 5678` (default US) … both readings valid',
  },
  extension_without_digits: {
    meaning: 'An extension marker with no digits after it was dropped.',
    example: '`+1 212 555 0100 ext.` → `+12125550100`',
  },
  renumbered_plan: {
    meaning:
      'The number is in a format its regulator replaced; with `repairs: all` a fixed-rule renumbering is applied instead.',
    example: '`97 12 34 56` (default BJ, repairs `safe`)',
  },
  possible_lost_leading_zero: {
    meaning: 'Invalid as written, valid with the leading trunk zero a spreadsheet drops; `detail` names that reading.',
    example: '`612345678` (default IT, repairs `safe`)',
  },
} as const satisfies Record<string, { meaning: string; example: string }>;

export type RepairCode = keyof typeof REPAIR_CODES;
export type WarningCode = keyof typeof WARNING_CODES;

/** Labels a field gives a number (`Fax:`, `(mobile)`, `WhatsApp`), canonical. Words: core/labels.ts. */
export const LABELS = ['phone', 'mobile', 'fax', 'whatsapp', 'office', 'home', 'landline', 'tollfree', 'sms'] as const;
export type Label = (typeof LABELS)[number];
