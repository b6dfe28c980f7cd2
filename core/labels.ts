/**
 * The words a phone field uses to say what a number is (`Tel:`, `Fax`, `Mob.`, `WhatsApp`…) and
 * how it writes an extension: one vocabulary for the splitter (core/split.ts, where a label is a
 * hard separator) and the validator (core/validate.ts, which skips a leading label and leaves
 * a trailing extension to libphonenumber), and the validator's label and extension repairs. Pure.
 */
import type { Label } from './codes.ts';

/** Labels of two or more letters (regex source, case-insensitive, Unicode). */
export const LONG_LABELS =
  'tel(?:ephone|efono|efone|efon|efoon|efax|f)?|t[ée]l[ée]phone|t[ée]l|phone|fax|telefax|' +
  'mob(?:ile|il)?|cell(?:phone)?|gsm|hotline|whatsapp|tlf|tfn|landline|switchboard';

/** One- or two-letter labels: labels only when followed by `.` or `:` (`T: 020…`, `M. 07…`). */
export const SHORT_LABELS = 't|f|m|ph|tf';

/** A label at the start of a segment, with its punctuation and the spaces after it. */
export const LEADING_LABEL = new RegExp(
  `^(?:(?:${LONG_LABELS})(?:\\s*[.:]|(?=[\\s\\d+(]))|(?:${SHORT_LABELS})\\s*[.:])\\s*`,
  'iu',
);

/**
 * An extension at the end of a segment, in the forms libphonenumber's own extension pattern
 * accepts (explicit: ext/extn/extension/extensión/доб/anexo; ambiguous: x # ~ int; RFC 3966
 * `;ext=` and `;isub=`).
 */
export const EXT_TAIL =
  /(?:(?:;(?:ext=\d{1,20}|isub=[\w.!~*'()%-]*))+|[ \t]*(?:e?xt(?:ensi(?:o\u0301?|\u00f3))?n?|\u0434\u043e\u0431|anexo)[:.]?[ \t,-]*\d{1,20}|[ \t]*(?:[x#~]|int)[:.]?[ \t,-]*\d{1,9})#?$/iu;

/**
 * Words for what a number is, by canonical label (core/codes.ts LABELS), in the languages of the
 * plans libphonenumber covers most: a separator label (`Tel:`, `Fax`), an annotation after the
 * number (`(mobile)`, `mob.`, `Handy`, `portable`, `celular`) or before it (`WhatsApp 0171…`).
 * First match wins, so `telefax` is a fax before `tel…` is a phone.
 */
const LABEL_WORDS: readonly (readonly [RegExp, Label])[] = [
  [/^(?:fax|telefax|tele-fax|f|факс|傳真|传真|ファックス|팩스|فاكس|פקס)$/iu, 'fax'],
  [
    /^(?:mob(?:ile?|il|iel|ilní|ilny)?|m|mbl|cell(?:phone|ular|ulare)?|cel|celular|gsm|handy|portable|m[óo]vil|komórka|моб(?:ильный|\.)?|мобильный|сот(?:овый)?|手機|手机|携帯|휴대폰|핸드폰|موبايل|جوال|נייד)$/iu,
    'mobile',
  ],
  [/^(?:whats?app)$/iu, 'whatsapp'],
  [
    /^(?:office|work|bureau|büro|buero|oficina|ufficio|escrit[óo]rio|kantoor|biuro|trabajo|arbeit|gesch[äa]ftlich|dienstlich|офис|раб(?:очий)?)$/iu,
    'office',
  ],
  [/^(?:home|casa|domicile|privat|private|priv[ée]|zuhause|дом(?:ашний)?)$/iu, 'home'],
  [/^(?:landline|fixe|fijo|fisso|festnetz|fixo|vast|stacjonarny)$/iu, 'landline'],
  [/^(?:toll-?free|freephone|gratuit|gratis|numero verde)$/iu, 'tollfree'],
  [/^(?:sms)$/iu, 'sms'],
  [
    /^(?:tel(?:ephone|efono|efone|efon|efoon|f|\.)?|t[ée]l[ée]phone|t[ée]l|tel[ée]fono|phone|ph|t|tf|tlf|tfn|hotline|switchboard|телефон|тел|電話|电话|전화|هاتف|טלפון)$/iu,
    'phone',
  ],
];

/** Words that only fill a label out (`mobile phone`, `Tel. Nr.`, `numéro de fax`). */
const LABEL_FILLERS = /^(?:nr|no|n°|num|number|numéro|numero|número|nummer|de|du|of|и|und|and|y|et|e|o|or|ou|oder)$/iu;

/** Canonical label of one label word (`Mob.` → mobile), or null when it is not one. */
export function labelOfWord(word: string): Label | null {
  const w = word.replace(/[.:]+$/u, '');
  for (const [re, label] of LABEL_WORDS) if (re.test(w)) return label;
  return null;
}

/**
 * The label of an annotation: text made only of label words, with brackets and punctuation
 * (`(mobile)`, `mob.`, `Tel/Fax:`, `[WhatsApp]`). The most specific word wins (`Tel/Fax` → fax,
 * `mobile phone` → mobile). null when any word is not a label word.
 */
export function annotationLabel(text: string): Label | null {
  const words = text.split(/[\s/,;:()[\]{}<>|-]+/u).filter((w) => w !== '' && !/^\.+$/.test(w));
  if (words.length === 0 || words.length > 4) return null;
  let found: Label | null = null;
  for (const w of words) {
    const label = labelOfWord(w);
    if (label === null) {
      if (LABEL_FILLERS.test(w)) continue;
      return null;
    }
    if (found === null || found === 'phone') found = label;
  }
  return found;
}

/**
 * Extension markers beyond libphonenumber's own (EXT_TAIL), in the languages of the plans it
 * covers: German Durchwahl/DW/Nebenstelle, Italian/Spanish interno/int., Spanish anexo,
 * Portuguese ramal/extensão, French poste, Russian доб./вн., Polish wewn., Czech/Slovak kl.,
 * Hungarian mellék, Turkish dahili, Dutch toestel/tst., Swedish ankn., Chinese 內線/内线/分機/分机,
 * Japanese 内線, Korean 내선, Thai ต่อ, Arabic تحويلة/داخلي, Persian داخلی, Hebrew שלוחה.
 */
const EXT_MARKER =
  '(?:e?xt(?:ensi(?:o\\u0301?|ó)n?|n)?|extens[ãa]o|x|#|~|durchwahl|dw|nst|nebenstelle|interno|int|anexo|ramal|poste|' +
  'доб(?:авочный)?|вн(?:утр(?:енний)?)?|wewn|kl|klapka|mell(?:ék)?|dahili|toestel|tst|ankn(?:ytning)?|' +
  '內線|内线|内線|分機|分机|내선|ต่อ|تحويلة|داخلي|داخلی|שלוחה)';

/**
 * Most digits of an extension read from a word of another language, and of each further one in
 * a list: extensions run to 4–5 digits, so a longer group after `/` or `,` is another number
 * (`ext 21/612345678` is ext 21, then a mobile number).
 */
const MAX_EXT_DIGITS = 6;
export const MAX_LISTED_EXT_DIGITS = 5;

/**
 * An extension, or a list of them, at the end of a segment: a marker, then digits, then more
 * digits after `/`, `,`, `&` or `and`-words, each optionally with its own marker
 * (`Durchwahl 21`, `ext. 21/22`, `x21/x22`, `доб. 123`, `內線 21`). Group 1 holds the digits
 * part. A digits-free marker is {@link EXT_MARKER_ONLY}.
 */
export const EXT_LIST_TAIL = new RegExp(
  `(?:^|(?<=[\\s\\d,;(\\-]))\\(?${EXT_MARKER}\\s*[.:]?\\s*-?\\s*(\\d{1,${MAX_EXT_DIGITS}}(?:\\s*(?:[/,&]|\\s(?:and|und|y|e|et|ou|o|or|и)\\s)\\s*(?:${EXT_MARKER}\\s*[.:]?\\s*)?\\d{1,${MAX_LISTED_EXT_DIGITS}})*)\\s*\\)?\\s*$`,
  'iu',
);

/** An extension marker at the end of `text` (before a placeholder such as `ext. xxx`). */
export const EXT_MARKER_BEFORE = new RegExp(`(?:^|[\\s\\d(])${EXT_MARKER}\\s*[.:]?\\s*$`, 'iu');

/** A segment that is nothing but an extension marker and digits (`x22` after `…0100 x21,`). */
export const EXT_ONLY = new RegExp(`^\\(?${EXT_MARKER}\\s*[.:]?\\s*(\\d{1,${MAX_LISTED_EXT_DIGITS}})\\s*\\)?$`, 'iu');

/**
 * An extension marker with no digits, or with a placeholder (`+1 212 555 0100 ext.`, `ext. xxx`):
 * dropped with a warning.
 */
export const EXT_MARKER_ONLY = new RegExp(`^\\(?${EXT_MARKER}\\s*[.:]?\\s*(?:[xX*•_]{2,6})?\\s*\\)?$`, 'iu');

/** The digits of each extension in an EXT_LIST_TAIL digits part (`21/22` → [21, 22]). */
export function extensionList(digits: string): string[] {
  return digits.match(/\d+/g) ?? [];
}
