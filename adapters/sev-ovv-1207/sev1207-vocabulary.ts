import type { AnswerResult, AppealKind } from '../../gateway/envelope/envelope-model.js';

/**
 * The words a 1207 document uses for what the canonical model holds as enumerations. 1207 has no field for
 * the kind of an appeal or the result of an answer, but every document names its kind in free text
 * (`Document/@kind`: «Лист», «Окреме доручення» ...). The hub writes these labels there, and reads them back;
 * any other kind falls back to the participant's defaults. The labels are ordinary document kinds a clerk
 * reads in the EDMS, not codes.
 */
export const APPEAL_KIND_LABELS: Readonly<Record<AppealKind, string>> = {
  'citizen-appeal': 'Звернення громадян',
  'public-info-request': 'Запит на публічну інформацію',
  'sensitive-report': 'Повідомлення з обмеженим доступом',
};

export const ANSWER_RESULT_LABELS: Readonly<Record<AnswerResult, string>> = {
  satisfied: 'Відповідь: задоволено',
  'partially-satisfied': 'Відповідь: задоволено частково',
  explained: 'Відповідь: роз’яснено',
  refused: 'Відповідь: відмовлено',
};

export const APPEAL_KIND_BY_LABEL: ReadonlyMap<string, AppealKind> = inverse(APPEAL_KIND_LABELS);
export const ANSWER_RESULT_BY_LABEL: ReadonlyMap<string, AnswerResult> = inverse(ANSWER_RESULT_LABELS);

/**
 * `DocTransfer/@type` is a file type («pdf», «docx»), the canonical attachment has a media type. The table
 * is one to one so that a known type survives the round trip; a media type outside it is written as it is
 * (the attribute is free text) and read back because it contains a slash, which no file type does.
 */
const MEDIA_TYPES: readonly (readonly [string, string])[] = [
  ['pdf', 'application/pdf'],
  ['doc', 'application/msword'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xls', 'application/vnd.ms-excel'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['odt', 'application/vnd.oasis.opendocument.text'],
  ['ods', 'application/vnd.oasis.opendocument.spreadsheet'],
  ['rtf', 'application/rtf'],
  ['txt', 'text/plain'],
  ['html', 'text/html'],
  ['xml', 'application/xml'],
  ['jpg', 'image/jpeg'],
  ['png', 'image/png'],
  ['tif', 'image/tiff'],
  ['gif', 'image/gif'],
  ['zip', 'application/zip'],
  ['p7s', 'application/pkcs7-signature'],
];
const MEDIA_TYPE_BY_EXTENSION = new Map<string, string>([
  ...MEDIA_TYPES,
  ['jpeg', 'image/jpeg'],
  ['tiff', 'image/tiff'],
  ['htm', 'text/html'],
]);
const EXTENSION_BY_MEDIA_TYPE = new Map<string, string>(MEDIA_TYPES.map(([ext, type]) => [type, ext]));

/** The canonical MediaType pattern. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
export const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';

/** The media type for a `DocTransfer/@type`; unknown file types are application/octet-stream. */
export function mediaTypeOf(fileType: string): string {
  const type = fileType.trim().toLowerCase().replace(/^\./, '');
  if (type.includes('/')) return MEDIA_TYPE.test(type) ? type : UNKNOWN_MEDIA_TYPE;
  return MEDIA_TYPE_BY_EXTENSION.get(type) ?? UNKNOWN_MEDIA_TYPE;
}

/** The `DocTransfer/@type` written for a media type. */
export function fileTypeOf(mediaType: string): string {
  return EXTENSION_BY_MEDIA_TYPE.get(mediaType) ?? mediaType;
}

/** `AckResult/@errortext` written with acknowledgements that report no error (as in the official samples). */
export const ACK_TEXTS = {
  delivered: 'Повідомлення доставлено без помилок',
  accepted: 'Повідомлення було прийнято без помилок',
  registered: '',
} as const;

/** The refusal reason read when an ack_type 4 carries no errortext: the meaning of the acknowledgement itself. */
export const DEFAULT_REFUSAL_REASON = 'Документ відхилено';

function inverse<K extends string>(labels: Readonly<Record<K, string>>): ReadonlyMap<string, K> {
  return new Map(Object.entries(labels).map(([key, label]) => [label as string, key as K]));
}
