import {
  ANSWER_RESULTS,
  APPEAL_KINDS,
  CHANNELS,
  type AnswerResult,
  type AppealKind,
  type Channel,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { REFUSAL_REASONS } from './xdms-vocabulary.js';

export type XdmsEncoding = 'windows-1251' | 'utf-8';

/**
 * A participant's settings for the medo-xdms adapter. Only `hubMedoUid` is required: the МЕДО network
 * addresses the hub by that GUID. The `defaults` fill canonical fields xdms has no element for when a document
 * written by another system lacks them; they are never personal data (an applicant without a name is refused,
 * not given one).
 */
export interface XdmsSettings {
  /** Encoding of the XML the adapter writes (reading accepts both; the XML declaration says which). */
  readonly encoding: XdmsEncoding;
  /** The hub's МЕДО participant GUID, written as header/source/@uid. */
  readonly hubMedoUid: string;
  /** The hub's name as written in header/source/organization. */
  readonly hubName: string;
  /** ЄДРПОУ code of the recipient when the xdms message names none (default: the hub's own code). */
  readonly defaultRecipient: string | undefined;
  /** IANA zone for xdms times written without an offset (default Europe/Kyiv). */
  readonly timeZone: string;
  readonly defaults: {
    readonly appealKind: AppealKind;
    readonly channel: Channel;
    readonly category: string;
    readonly routingBasis: string;
    /** Days from receipt to the answer deadline when the document has no clause deadline. */
    readonly answerTermDays: number;
    readonly answerResult: AnswerResult;
    /** Code (see REFUSAL_REASONS) written for a canonical refusal whose code xdms does not enumerate. */
    readonly refusalReason: string;
  };
}

const GUID = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;
const CODE = /^[A-Za-z0-9._-]{1,64}$/;
const KNOWN = new Set(['encoding', 'hubMedoUid', 'hubName', 'defaultRecipient', 'timeZone', 'defaults']);
const KNOWN_DEFAULTS = new Set([
  'appealKind',
  'channel',
  'category',
  'routingBasis',
  'answerTermDays',
  'answerResult',
  'refusalReason',
]);

export function parseXdmsSettings(settings: Readonly<Record<string, unknown>>): XdmsSettings {
  for (const key of Object.keys(settings)) if (!KNOWN.has(key)) fail(key, 'is not a setting of this adapter');
  const encoding = settings.encoding ?? 'windows-1251';
  if (encoding !== 'windows-1251' && encoding !== 'utf-8')
    fail('encoding', "must be 'windows-1251' or 'utf-8'");
  const hubMedoUid = settings.hubMedoUid;
  if (typeof hubMedoUid !== 'string' || !GUID.test(hubMedoUid)) fail('hubMedoUid', 'must be a GUID');
  const hubName = optionalString(settings, 'hubName', 'Вхід (Vkhid)', 511);
  const defaultRecipient = settings.defaultRecipient;
  if (
    defaultRecipient !== undefined &&
    (typeof defaultRecipient !== 'string' || !/^[0-9]{8}$/.test(defaultRecipient))
  )
    fail('defaultRecipient', 'must be an 8-digit ЄДРПОУ code');
  const timeZone = optionalString(settings, 'timeZone', 'Europe/Kyiv', 64);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    fail('timeZone', 'is not an IANA time zone');
  }
  const raw = settings.defaults ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('defaults', 'must be an object');
  const given = raw as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_DEFAULTS.has(key)) fail(`defaults.${key}`, 'is not a default of this adapter');
  }
  const appealKind = given.appealKind ?? 'citizen-appeal';
  if (!APPEAL_KINDS.includes(appealKind as AppealKind))
    fail('defaults.appealKind', `must be one of ${APPEAL_KINDS.join(', ')}`);
  const channel = given.channel ?? 'post';
  if (!CHANNELS.includes(channel as Channel))
    fail('defaults.channel', `must be one of ${CHANNELS.join(', ')}`);
  const category = given.category ?? 'general';
  if (typeof category !== 'string' || !CODE.test(category))
    fail('defaults.category', 'must match [A-Za-z0-9._-]{1,64}');
  const routingBasis = optionalString(
    given,
    'routingBasis',
    'Закон України «Про звернення громадян», ст. 7',
    500,
    'defaults.',
  );
  const answerTermDays = given.answerTermDays ?? 30;
  if (
    typeof answerTermDays !== 'number' ||
    !Number.isInteger(answerTermDays) ||
    answerTermDays < 1 ||
    answerTermDays > 366
  )
    fail('defaults.answerTermDays', 'must be a whole number of days from 1 to 366');
  const answerResult = given.answerResult ?? 'explained';
  if (!ANSWER_RESULTS.includes(answerResult as AnswerResult))
    fail('defaults.answerResult', `must be one of ${ANSWER_RESULTS.join(', ')}`);
  const refusalReason = given.refusalReason ?? 'not-registrable';
  if (typeof refusalReason !== 'string' || REFUSAL_REASONS[refusalReason] === undefined)
    fail('defaults.refusalReason', 'must be one of the refusal codes in docs/adapters/medo-xdms.md');
  return {
    encoding,
    hubMedoUid: hubMedoUid.toLowerCase(),
    hubName,
    defaultRecipient: defaultRecipient,
    timeZone,
    defaults: {
      appealKind: appealKind as AppealKind,
      channel: channel as Channel,
      category: category,
      routingBasis,
      answerTermDays: answerTermDays,
      answerResult: answerResult as AnswerResult,
      refusalReason: refusalReason,
    },
  };
}

function optionalString(
  from: Readonly<Record<string, unknown>>,
  key: string,
  fallback: string,
  maxLength: number,
  prefix = '',
): string {
  const value = from[key] ?? fallback;
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength)
    fail(`${prefix}${key}`, `must be a non-empty string of at most ${maxLength} characters`);
  return value;
}

function fail(setting: string, why: string): never {
  throw new VkhidError('ADAPTER_SETTINGS_INVALID', {
    args: ['medo-xdms', `${setting} ${why}`],
    field: `adapterSettings.${setting}`,
  });
}
