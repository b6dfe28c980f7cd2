/**
 * Every repair code, warning code and label a result row can carry: one table each, with what
 * it means and an example input, read by the validator (core/repairs.ts), the summary, the API
 * document and the README (test/unit/codes.test.ts checks the README lists every code). Pure.
 */

/** A repair: what was changed in the input to reach the reading reported. */
export const REPAIR_CODES = {
  plus_added: {
    meaning:
      'Digits that start with a country calling code were read as international (a "+" was missing): proven by `(0)`, or grouped as calling code + number; an unbroken run of digits only with `repairs: all` or `numericSource`.',
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
    example: '`4.930123456E+10` (default DE) → `+49301234560`',
  },
  leading_zero_restored: {
    meaning:
      'A leading trunk zero a numeric spreadsheet column dropped was restored (only with `repairs: all` or `numericSource`).',
    example: '`612345678` (default IT, repairs `all`) → `+390612345678`',
  },
  area_code_added: {
    meaning: "The spec's `defaultAreaCode` was put in front of a subscriber number written without one.",
    example: '`123 4567` (default DE, defaultAreaCode `30`) → `+49301234567`',
  },
  renumbered: {
    meaning:
      "A number in a plan's replaced format was rewritten by the regulator's fixed rule (only with `repairs: all`).",
    example: '`97 12 34 56` (default BJ, repairs `all`) → `+2290197123456`',
  },
} as const satisfies Record<string, { meaning: string; example: string }>;

/** A warning: the reading may be wrong, or something in the field was set aside. */
export const WARNING_CODES = {
  possible_missing_plus: {
    meaning:
      'Also valid read as international (a "+" may be missing): the number is valid as written, or an unbroken run of digits (read as international only with `repairs: all` or `numericSource`); `detail` names the other E.164.',
    example: '`33 1 42 68 53 00` (default DE) → `+4933142685300`; detail names `+33142685300` (FR)',
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

/**
 * Error codes of a result row: libphonenumber's parse and length verdicts, then the ones the
 * validator's repairs add (core/repairs.ts, core/field-repairs.ts).
 */
export const ERROR_CODES = {
  NOT_A_NUMBER: {
    meaning: 'No phone number in the text (words, vanity letters, an empty field).',
    example: '`1-800-FLOWERS` (default US)',
  },
  INVALID_COUNTRY: {
    meaning: 'No calling code after `+`/IDD, or a national number with no default region.',
    example: '`020 7946 0321` (no default region)',
  },
  TOO_SHORT: { meaning: "Fewer digits than the plan's numbers have.", example: '`+49 1`' },
  TOO_LONG: { meaning: "More digits than the plan's numbers have.", example: '`+44 20 7946 0321 0321`' },
  INVALID_LENGTH: { meaning: 'A digit count between two the plan uses.', example: '`+47 123 4567`' },
  SHORT_NUMBER: {
    meaning:
      "A short code or emergency number of the default region (libphonenumber's short-number metadata); `emergency` says which.",
    example: '`911` (default US) → emergency `true`; `116 000` (default FR) → `false`',
  },
  SPREADSHEET_PRECISION_LOST: {
    meaning: 'Spreadsheet exponent notation that was rounded: the digits are gone.',
    example: '`4.93012E+10`',
  },
  MASKED: { meaning: 'Digits hidden by `X`, `*` or `•`; never guessed.', example: '`+49 30 XXXX 567`' },
  LOCAL_NUMBER: {
    meaning: "A subscriber number without the area code its plan requires; give the spec's `defaultAreaCode`.",
    example: '`123 4567` (default DE)',
  },
} as const satisfies Record<string, { meaning: string; example: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Labels a field gives a number, canonical, with some of the words read as each (core/labels.ts). */
export const LABEL_WORDS_DOC = {
  phone: '`Tel:`, `T.`, `Phone`, `Telefon`, `téléphone`, `teléfono`, `тел.`, `電話`',
  mobile: '`(mobile)`, `mob.`, `M:`, `Handy`, `portable`, `celular`, `móvil`, `GSM`, `моб.`, `手機`',
  fax: '`Fax:`, `F.`, `Telefax`, `факс`, `傳真`',
  whatsapp: '`WhatsApp`',
  office: '`(office)`, `work`, `Büro`, `bureau`, `oficina`, `ufficio`',
  home: '`home`, `privat`, `casa`, `domicile`',
  landline: '`landline`, `Festnetz`, `fixe`, `fijo`, `fisso`',
  tollfree: '`toll-free`, `freephone`, `gratuit`',
  sms: '`SMS`',
} as const;

export type Label = keyof typeof LABEL_WORDS_DOC;
export const LABELS = Object.keys(LABEL_WORDS_DOC) as readonly Label[];

/**
 * The README's tables of these codes (between `<!-- codes:start -->` and `<!-- codes:end -->`),
 * rendered from the tables above; `make docs` writes them, test/unit/codes.test.ts checks them.
 */
export function codesMarkdown(): string {
  const table = (head: string, rows: [string, string, string][]) =>
    [
      `| ${head} | Meaning | Example |`,
      '| --- | --- | --- |',
      ...rows.map(([c, m, e]) => `| \`${c}\` | ${m} | ${e} |`),
    ].join('\n');
  const rows = (t: Record<string, { meaning: string; example: string }>) =>
    Object.entries(t).map(([c, v]) => [c, v.meaning, v.example] as [string, string, string]);
  return [
    '### Repair codes (`repairs`)',
    '',
    table('Repair', rows(REPAIR_CODES)),
    '',
    '### Warning codes (`warnings`)',
    '',
    table('Warning', rows(WARNING_CODES)),
    '',
    '### Error codes (`error`)',
    '',
    table('Error', rows(ERROR_CODES)),
    '',
    '### Labels (`label`)',
    '',
    [
      '| Label | Words read as it |',
      '| --- | --- |',
      ...Object.entries(LABEL_WORDS_DOC).map(([l, w]) => `| \`${l}\` | ${w} |`),
    ].join('\n'),
  ].join('\n');
}
