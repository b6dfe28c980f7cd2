/**
 * The words a phone field uses to say what a number is (`Tel:`, `Fax`, `Mob.`, `WhatsApp`…) and
 * how it writes an extension: one vocabulary for the splitter (core/split.ts, where a label is a
 * hard separator) and the validator (core/validate.ts, which skips a leading label and leaves
 * a trailing extension to libphonenumber). Pure.
 */

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
