import {
  ANSWER_RESULTS,
  APPEAL_KINDS,
  CHANNELS,
  type AnswerResult,
  type AppealKind,
  type Channel,
  type Consent,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';

export const ADAPTER_NAME = 'sev-ovv-1207';

/**
 * Which acknowledgements the agency wants, as the 1207 `msg_acknow` attribute says it: 0 none, 1 only when
 * something went wrong (the refusal, ack_type 4), 2 all of them.
 */
export type MsgAcknow = 0 | 1 | 2;
export type OutputEncoding = 'utf-8' | 'windows-1251';

/** An EDMS as СЕВ ОВВ knows it: the `*_sys_id` and `*_system` header attributes. */
export interface SystemIdentity {
  readonly id: string;
  readonly name: string;
}

/** Values for the canonical fields a 1207 document has no place for. */
export interface Sev1207Defaults {
  readonly appealKind: AppealKind;
  readonly channel: Channel;
  readonly category: string;
  readonly consent: Consent;
  readonly answerResult: AnswerResult;
  readonly basis: string;
  /** Days from the registration date to the deadline when a document names no deadline (Law on appeals, art. 20). */
  readonly answerTermDays: number;
}

/** A participant's validated settings (see docs/adapters/sev-ovv-1207.md). */
export interface Sev1207Settings {
  readonly msgAcknow: MsgAcknow;
  readonly encoding: OutputEncoding;
  /** 1207 organisation id (from_org_id, to_org_id, ogrn) → ЄДРПОУ code. */
  readonly orgIds: ReadonlyMap<string, string>;
  /** ЄДРПОУ code → the 1207 organisation id written for it (the inverse of orgIds). */
  readonly orgIdsByCode: ReadonlyMap<string, string>;
  /** ЄДРПОУ code → organisation name, for `from_organization`/`to_organization` and `fullname`. */
  readonly orgNames: ReadonlyMap<string, string>;
  /** The agency's EDMS (written as `to_system` of what the hub sends it). */
  readonly agencySystem: SystemIdentity | undefined;
  /** The hub as a 1207 system (written as `from_system` of what the hub sends). */
  readonly hubSystem: SystemIdentity;
  /** Recipient of documents whose `to_org_id` is neither an ЄДРПОУ code nor in orgIds. */
  readonly defaultRecipient: string | undefined;
  readonly defaults: Sev1207Defaults;
}

const TOP_LEVEL_KEYS = [
  'msgAcknow',
  'encoding',
  'orgIds',
  'orgNames',
  'agencySystem',
  'hubSystem',
  'defaultRecipient',
  'defaults',
] as const;
const DEFAULTS_KEYS = [
  'appealKind',
  'channel',
  'category',
  'consent',
  'answerResult',
  'basis',
  'answerTermDays',
] as const;

const PARTICIPANT_CODE = /^[0-9]{8}$/;
/** The canonical Category type. */
const CATEGORY = /^[A-Za-z0-9._-]{1,64}$/;

export const BUILT_IN_DEFAULTS: Sev1207Defaults = Object.freeze({
  appealKind: 'citizen-appeal',
  channel: 'post',
  category: 'unclassified',
  consent: Object.freeze({ disclosure: false, personalData: false }),
  answerResult: 'explained',
  basis: 'Надійшло через СЕВ ОВВ',
  answerTermDays: 30,
});

export const DEFAULT_HUB_SYSTEM: SystemIdentity = Object.freeze({ id: 'vkhid', name: 'Vkhid' });

/**
 * Validates a participant's `adapterSettings` (untrusted JSON). Unknown keys are refused too: a misspelt
 * setting silently falling back to its default would change what an agency receives.
 */
export function parseSev1207Settings(raw: Readonly<Record<string, unknown>>): Sev1207Settings {
  if (!isPlainObject(raw)) throw invalid('', 'the settings must be a JSON object');
  rejectUnknownKeys(raw, TOP_LEVEL_KEYS, '');

  const msgAcknow = raw.msgAcknow ?? 2;
  if (msgAcknow !== 0 && msgAcknow !== 1 && msgAcknow !== 2) {
    throw invalid('msgAcknow', 'must be 0 (no acknowledgements), 1 (refusals only) or 2 (all)');
  }

  const encoding = raw.encoding ?? 'utf-8';
  if (encoding !== 'utf-8' && encoding !== 'windows-1251') {
    throw invalid('encoding', 'must be "utf-8" or "windows-1251"');
  }

  const orgIds = stringMap(raw.orgIds, 'orgIds');
  const orgIdsByCode = new Map<string, string>();
  for (const [orgId, code] of orgIds) {
    if (!/^\S(.*\S)?$/.test(orgId) || orgId.length > 64) {
      throw invalid(
        `orgIds.${orgId}`,
        'a 1207 organisation id is 1 to 64 characters without surrounding spaces',
      );
    }
    if (!PARTICIPANT_CODE.test(code)) throw invalid(`orgIds.${orgId}`, 'must be an 8-digit ЄДРПОУ code');
    const other = orgIdsByCode.get(code);
    // The mapping is used both ways; two ids for one code would make the id written for that code a guess.
    if (other !== undefined)
      throw invalid(`orgIds.${orgId}`, `maps to ${code} as orgIds.${other} already does`);
    orgIdsByCode.set(code, orgId);
  }

  const orgNames = stringMap(raw.orgNames, 'orgNames');
  for (const [code, name] of orgNames) {
    if (!PARTICIPANT_CODE.test(code)) throw invalid(`orgNames.${code}`, 'keys must be 8-digit ЄДРПОУ codes');
    if (name.trim() === '' || name.length > 500)
      throw invalid(`orgNames.${code}`, 'must be 1 to 500 characters');
  }

  const defaultRecipient = raw.defaultRecipient;
  if (
    defaultRecipient !== undefined &&
    (typeof defaultRecipient !== 'string' || !PARTICIPANT_CODE.test(defaultRecipient))
  ) {
    throw invalid('defaultRecipient', 'must be an 8-digit ЄДРПОУ code');
  }

  return {
    msgAcknow,
    encoding,
    orgIds,
    orgIdsByCode,
    orgNames,
    agencySystem: raw.agencySystem === undefined ? undefined : system(raw.agencySystem, 'agencySystem'),
    hubSystem: raw.hubSystem === undefined ? DEFAULT_HUB_SYSTEM : system(raw.hubSystem, 'hubSystem'),
    defaultRecipient,
    defaults: defaults(raw.defaults),
  };
}

function defaults(raw: unknown): Sev1207Defaults {
  if (raw === undefined) return BUILT_IN_DEFAULTS;
  if (!isPlainObject(raw)) throw invalid('defaults', 'must be an object');
  rejectUnknownKeys(raw, DEFAULTS_KEYS, 'defaults');
  const d = BUILT_IN_DEFAULTS;
  const appealKind = raw.appealKind ?? d.appealKind;
  if (!(APPEAL_KINDS as readonly unknown[]).includes(appealKind)) {
    throw invalid('defaults.appealKind', `must be one of ${APPEAL_KINDS.join(', ')}`);
  }
  const channel = raw.channel ?? d.channel;
  if (!(CHANNELS as readonly unknown[]).includes(channel)) {
    throw invalid('defaults.channel', `must be one of ${CHANNELS.join(', ')}`);
  }
  const category = raw.category ?? d.category;
  if (typeof category !== 'string' || !CATEGORY.test(category)) {
    throw invalid('defaults.category', 'must match [A-Za-z0-9._-]{1,64}');
  }
  const answerResult = raw.answerResult ?? d.answerResult;
  if (!(ANSWER_RESULTS as readonly unknown[]).includes(answerResult)) {
    throw invalid('defaults.answerResult', `must be one of ${ANSWER_RESULTS.join(', ')}`);
  }
  const basis = raw.basis ?? d.basis;
  if (typeof basis !== 'string' || basis.trim() === '' || basis.length > 500) {
    throw invalid('defaults.basis', 'must be 1 to 500 characters');
  }
  const answerTermDays = raw.answerTermDays ?? d.answerTermDays;
  if (
    typeof answerTermDays !== 'number' ||
    !Number.isInteger(answerTermDays) ||
    answerTermDays < 1 ||
    answerTermDays > 365
  ) {
    throw invalid('defaults.answerTermDays', 'must be a whole number of days from 1 to 365');
  }
  return {
    appealKind: appealKind as AppealKind,
    channel: channel as Channel,
    category,
    consent: consent(raw.consent),
    answerResult: answerResult as AnswerResult,
    basis,
    answerTermDays,
  };
}

function consent(raw: unknown): Consent {
  if (raw === undefined) return BUILT_IN_DEFAULTS.consent;
  if (!isPlainObject(raw)) throw invalid('defaults.consent', 'must be an object');
  rejectUnknownKeys(raw, ['disclosure', 'personalData'], 'defaults.consent');
  const { disclosure, personalData } = raw;
  if (typeof disclosure !== 'boolean') throw invalid('defaults.consent.disclosure', 'must be true or false');
  if (typeof personalData !== 'boolean')
    throw invalid('defaults.consent.personalData', 'must be true or false');
  return { disclosure, personalData };
}

function system(raw: unknown, field: string): SystemIdentity {
  if (!isPlainObject(raw)) throw invalid(field, 'must be an object with id and name');
  rejectUnknownKeys(raw, ['id', 'name'], field);
  const { id, name } = raw;
  if (typeof id !== 'string' || id.trim() === '' || id.length > 100) {
    throw invalid(`${field}.id`, 'must be 1 to 100 characters');
  }
  if (typeof name !== 'string' || name.trim() === '' || name.length > 500) {
    throw invalid(`${field}.name`, 'must be 1 to 500 characters');
  }
  return { id, name };
}

function stringMap(raw: unknown, field: string): ReadonlyMap<string, string> {
  if (raw === undefined) return new Map();
  if (!isPlainObject(raw)) throw invalid(field, 'must be an object');
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw invalid(`${field}.${key}`, 'must be a string');
    map.set(key, value);
  }
  return map;
}

function rejectUnknownKeys(raw: Record<string, unknown>, known: readonly string[], at: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      const field = at === '' ? key : `${at}.${key}`;
      throw invalid(field, `unknown setting (known: ${known.join(', ')})`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_SETTINGS_INVALID', {
    args: [ADAPTER_NAME, field === '' ? why : `${field} ${why}`],
    ...(field === '' ? {} : { field }),
  });
}
