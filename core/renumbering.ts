/**
 * Numbering plans a regulator replaced, as rules on the old national significant number (NSN).
 * A `fixed` rule rewrites every old number the same way, so it can be applied (repair
 * `renumbered`, `repairs: all`); an operator-dependent one cannot, and is only warned about
 * (`renumbered_plan`). Every new number a rule makes must be valid in libphonenumber-js/max
 * (test/unit/repairs.test.ts checks each rule's example). Pure.
 */

export interface Renumbering {
  /** Country calling code of the plan. */
  callingCode: string;
  /** Old NSN shape (anchored). */
  old: RegExp;
  /** The new NSN for an old one, or null when the new number depends on the operator. */
  rewrite: ((nsn: string) => string | null) | null;
  /** When and by whom, for the warning's detail. */
  note: string;
}

/** Viet Nam 2018: 11-digit mobile numbers (NSN `1xx…`, 10 digits) moved to 10 digits, by prefix. */
const VN_MOBILE: Readonly<Record<string, string>> = {
  '162': '32',
  '163': '33',
  '164': '34',
  '165': '35',
  '166': '36',
  '167': '37',
  '168': '38',
  '169': '39',
  '120': '70',
  '121': '79',
  '122': '77',
  '126': '76',
  '128': '78',
  '123': '83',
  '124': '84',
  '125': '85',
  '127': '81',
  '129': '82',
  '186': '56',
  '188': '58',
  '199': '59',
};

export const RENUMBERINGS: readonly Renumbering[] = [
  {
    callingCode: '229',
    old: /^\d{8}$/,
    rewrite: (nsn) => '01' + nsn,
    note: 'Benin moved every 8-digit number to 10 digits by putting 01 in front (ARCEP Bénin, 30 November 2024)',
  },
  {
    callingCode: '84',
    old: /^1(?:6[2-9]|2\d|86|88|99)\d{7}$/,
    rewrite: (nsn) => {
      const to = VN_MOBILE[nsn.slice(0, 3)];
      return to === undefined ? null : to + nsn.slice(3);
    },
    note: 'Viet Nam moved 11-digit mobile numbers to 10 digits by a fixed prefix table (MIC, 2018)',
  },
  {
    callingCode: '225',
    old: /^\d{8}$/,
    rewrite: null,
    note: "Côte d'Ivoire moved 8-digit numbers to 10 digits with a prefix that depends on the operator (ARTCI, 31 January 2021)",
  },
];

/** The renumbering an old-format NSN of calling code `cc` falls under, if any. */
export function renumberingOf(cc: string, nsn: string): Renumbering | null {
  for (const r of RENUMBERINGS) if (r.callingCode === cc && r.old.test(nsn)) return r;
  return null;
}
