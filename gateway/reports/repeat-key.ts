import { createHmac } from 'node:crypto';
import type { Appeal } from '../envelope/envelope-model.js';

/**
 * Domain separation: a repeat key computed with the hub's secret can never equal any other HMAC the hub makes
 * with the same secret (an access code, say), and a future change of the normalisation gets a new label.
 */
export const REPEAT_KEY_LABEL = 'vkhid repeat-key v1\n';

/**
 * Apostrophes as Ukrainian text really arrives: the modifier letter (ʼ, the orthographic one), the right
 * single quotation mark (’, what word processors put in), the ASCII one ('), and the look-alikes people type
 * instead (‘ ` ´ ′). All are one character for the key: "Мар'яна" and "Марʼяна" are the same person.
 */
const APOSTROPHES = /['\u2019\u02bc\u2018\u0060\u00b4\u2032]/gu;

/**
 * Text as the repeat key compares it: NFC (a decomposed "й" equals the composed one), lower case, every run
 * of whitespace one space, no leading or trailing space, apostrophes unified. The result holds no line break,
 * so the fields joined by line breaks below cannot run into one another.
 */
export function normaliseForRepeatKey(text: string): string {
  return text
    .normalize('NFC')
    .toLocaleLowerCase('uk')
    .replace(APOSTROPHES, '\u02bc')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * The repeat-appeal key of an appeal: HMAC-SHA256 with the hub's secret over the normalised applicant's full
 * name, the category and the normalised subject, in hex. Two appeals with the same key come from the same
 * person about the same subject (a "repeat appeal" in the reports). The key is pseudonymous: without the
 * secret nobody can test a guessed name against it, and the reports count keys, never print them.
 */
export function repeatKeyOf(secret: Uint8Array, appeal: Appeal): string {
  if (secret.length === 0) throw new RangeError('the repeat-key secret is empty');
  return createHmac('sha256', secret)
    .update(REPEAT_KEY_LABEL, 'utf8')
    .update(
      [
        normaliseForRepeatKey(appeal.applicant.fullName),
        normaliseForRepeatKey(appeal.category),
        normaliseForRepeatKey(appeal.subject),
      ].join('\n'),
      'utf8',
    )
    .digest('hex');
}
